# needle: the user's entry point.
#   sudo make run    install what is missing, build, start collecting
#   sudo make test   install what is missing, build, run every test suite
#   make bench       run the benchmarks
#   sudo make install   programs, man pages, /etc/needle/needle.conf, the systemd
#                       unit (PREFIX=/usr/local, SYSCONFDIR=/etc, DESTDIR honoured);
#                       make uninstall removes them
#   make deb         the Debian package, in dist/
#
# Packages are Debian's; only the missing ones are installed (apt-get, non-interactive).

BUILD      ?= build
BUILD_TSAN ?= build-tsan
BUILD_ASAN ?= build-asan
MESON_OPTS ?= --buildtype=debugoptimized --sysconfdir=/etc

# What building needs, and what the tests need on top of that.
# make deb: debhelper builds the package (dpkg-buildpackage, fakeroot);
# lintian checks it.
DEPS_DEB   := debhelper dpkg-dev fakeroot lintian
# scdoc writes the man pages.
DEPS_BUILD := gcc make meson ninja-build pkg-config libnl-3-dev liburcu-dev liblz4-dev libaudit-dev \
              libmicrohttpd-dev libsystemd-dev scdoc libnats-dev libpcre2-dev
# auditd brings auditctl, which the live tests use to add their narrow rules
# and to read the kernel state (its service is never started by this
# install); lz4 reads back compressed logs; python3 checks JSON output, and
# its prometheus-client parses the metrics endpoint.
# groff and man read the man pages back; the package test builds the
# package (DEPS_DEB) and installs it. systemd brings systemd-analyze
# (verify, syscall groups) and python3-seccomp lets the service test apply
# needle.service's system call filter; laurel is the plugin the laurel test
# runs under the unit, without and with its drop-in. nats-server is the
# cluster the fleet tests start on loopback (issue 14: output = nats);
# openssl makes the certificates of their TLS case, python3-cryptography
# the ed25519 NKeys of their credentials case (tests/live/nats_creds.py).
DEPS_TEST  := libgcc-12-dev auditd lz4 python3 python3-prometheus-client \
              groff-base man-db systemd python3-seccomp laurel nats-server openssl \
              python3-cryptography $(DEPS_DEB)

# make bench: laurel is the peer needle-bench replay compares with; auditd
# the one needle-bench live compares with; gnuplot draws the knee plot.
DEPS_BENCH := laurel auditd gnuplot-nox

# make fuzz: libFuzzer comes with clang's runtime.
DEPS_FUZZ  := clang libclang-rt-14-dev
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz-record fuzz-assemble fuzz-filter

APT_ENV := DEBIAN_FRONTEND=noninteractive

.PHONY: all deps deps-test deps-fuzz deps-bench deps-deb build run test test-quick bench fuzz \
        install uninstall deb clean

# make install: where things go. Configuration and unit do not follow
# PREFIX into /usr/local/etc: a system daemon's configuration is in /etc.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc

all: build

# dpkg-query tells what is installed; apt-get update only runs when something is missing.
# A temporary policy-rc.d keeps apt from starting services (auditd would take
# the audit socket); an existing one is left as it is.
define install_missing
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "needle: missing Debian packages:$$missing"; \
			echo "needle: run as root (sudo make ...) so they can be installed"; exit 1; \
		fi; \
		echo "needle: installing$$missing"; \
		guard=""; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1; \
		fi; \
		$(APT_ENV) apt-get update -q >/dev/null && \
		$(APT_ENV) apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
		rc=$$?; [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; \
		[ $$rc = 0 ] || { echo "needle: apt-get install failed for:$$missing"; exit 1; }; \
	fi
endef

deps:
	$(call install_missing,$(DEPS_BUILD))

deps-test: deps
	$(call install_missing,$(DEPS_TEST))

$(BUILD)/build.ninja: | deps
	meson setup $(MESON_OPTS) $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	$(BUILD)/cli/needle run --foreground

# Every suite in the normal build, then the stress suite again under
# ThreadSanitizer and under AddressSanitizer+UBSan, each in its own build
# directory. The summary line adds up all of them.
test: deps-test build
	@bash tests/run-all.sh "$(BUILD)" "$(BUILD_TSAN)" "$(BUILD_ASAN)"

# Fast suite only, for the edit-compile loop.
test-quick: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

# Each target runs FUZZ_SECONDS on a corpus seeded from the test logs; a
# crash lands in tests/fuzz/regressions/, which the unit suite replays.
deps-fuzz: deps
	$(call install_missing,$(DEPS_FUZZ))

fuzz: deps-fuzz
	@[ -f $(BUILD_FUZZ)/build.ninja ] || CC=clang meson setup $(BUILD_FUZZ) --buildtype=debugoptimized \
		-Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	ninja -C $(BUILD_FUZZ)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD_FUZZ)/corpus-$$t; \
		echo "== $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD_FUZZ)/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-artifact_prefix=tests/fuzz/regressions/$$t- \
			$(BUILD_FUZZ)/corpus-$$t tests/data/corpora/*/ tests/fuzz/filter-seeds || exit 1; \
	done

deps-bench: deps
	$(call install_missing,$(DEPS_BENCH))

bench: deps-bench build
	meson test -C $(BUILD) --benchmark --verbose --timeout-multiplier 0

# The build set up for PREFIX and SYSCONFDIR (reconfigured, and so rebuilt,
# only when it was set up for others), then meson's install, which honours
# DESTDIR; an existing needle.conf or needle.filter is never overwritten
# (install/install-conf.sh).
define configure_for_install
	@was=$$(meson introspect $(BUILD) --buildoptions | python3 -c 'import json, sys; \
		o = {x["name"]: x["value"] for x in json.load(sys.stdin)}; print(o["prefix"], o["sysconfdir"])') && \
	if [ "$$was" != "$(PREFIX) $(SYSCONFDIR)" ]; then \
		echo "needle: setting up $(BUILD) for prefix $(PREFIX), sysconfdir $(SYSCONFDIR) (was $$was)"; \
		meson configure $(BUILD) -Dprefix=$(PREFIX) -Dsysconfdir=$(SYSCONFDIR) >/dev/null; \
	fi
endef

CONFDIR = $(if $(filter /%,$(SYSCONFDIR)),$(SYSCONFDIR),$(PREFIX)/$(SYSCONFDIR))/needle

install: build
	$(configure_for_install)
	ninja -C $(BUILD)
	DESTDIR="$(DESTDIR)" meson install -C $(BUILD) --no-rebuild
	@if ! cmp -s "$(DESTDIR)$(CONFDIR)/needle.conf" $(BUILD)/install/needle.conf; then \
		echo "needle: $(DESTDIR)$(CONFDIR)/needle.conf exists; left as it is" \
		     "('needle config --defaults' prints the one this needle installs)"; fi
	@if ! cmp -s "$(DESTDIR)$(CONFDIR)/needle.filter" $(BUILD)/install/needle.filter; then \
		echo "needle: $(DESTDIR)$(CONFDIR)/needle.filter exists; left as it is" \
		     "(install/needle.filter is the one this needle installs)"; fi

uninstall: $(BUILD)/build.ninja
	$(configure_for_install)
	DESTDIR="$(DESTDIR)" sh install/uninstall.sh $(BUILD)

# make deb: debian/ built with dpkg-buildpackage in a copy of the tree
# (debhelper's build directory and files stay out of this one); the .deb,
# its debug symbols, .buildinfo and .changes land in DIST.
DIST    ?= dist
DEB_TMP ?= $(BUILD)-deb
deps-deb: deps
	$(call install_missing,$(DEPS_DEB))

deb: deps-deb
	rm -rf $(DEB_TMP) && mkdir -p $(DEB_TMP)/src $(DIST)
	git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - | tar -C $(DEB_TMP)/src -xf -
	cd $(DEB_TMP)/src && dpkg-buildpackage -b -us -uc
	rm -f $(DIST)/needle_*.deb $(DIST)/needle-dbgsym_*.deb $(DIST)/needle_*.buildinfo \
		$(DIST)/needle_*.changes
	mv $(DEB_TMP)/needle_*.deb $(DEB_TMP)/needle_*.buildinfo $(DEB_TMP)/needle_*.changes $(DIST)/
	-mv $(DEB_TMP)/needle-dbgsym_*.deb $(DIST)/ 2>/dev/null
	rm -rf $(DEB_TMP)
	@ls $(DIST)/needle_*.deb

clean:
	rm -rf $(BUILD) $(BUILD_TSAN) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD)-deb dist

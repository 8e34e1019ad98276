# needle: the user's entry point.
#   sudo make run    install what is missing, build, start collecting
#   sudo make test   install what is missing, build, run every test suite
#   make bench       run the benchmarks
#
# Packages are Debian's; only the missing ones are installed (apt-get, non-interactive).

BUILD      ?= build
BUILD_TSAN ?= build-tsan
BUILD_ASAN ?= build-asan
MESON_OPTS ?= --buildtype=debugoptimized

# What building needs, and what the tests need on top of that.
DEPS_BUILD := gcc make meson ninja-build pkg-config libnl-3-dev liburcu-dev liblz4-dev libaudit-dev \
              libmicrohttpd-dev libsystemd-dev
# auditd brings auditctl, which the live tests use to add their narrow rules
# and to read the kernel state (its service is never started by this
# install); lz4 reads back compressed logs; python3 checks JSON output, and
# its prometheus-client parses the metrics endpoint; systemd brings
# systemd-analyze (verify, syscall groups) and python3-seccomp lets the
# service test apply needle.service's system call filter.
DEPS_TEST  := libgcc-12-dev auditd lz4 python3 python3-prometheus-client systemd python3-seccomp

# make bench: laurel is the peer needle-bench replay compares with; auditd
# the one needle-bench live compares with; gnuplot draws the knee plot.
DEPS_BENCH := laurel auditd gnuplot-nox

# make fuzz: libFuzzer comes with clang's runtime.
DEPS_FUZZ  := clang libclang-rt-14-dev
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz-record fuzz-assemble

APT_ENV := DEBIAN_FRONTEND=noninteractive

.PHONY: all deps deps-test deps-fuzz deps-bench build run test test-quick bench fuzz clean

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
			$(BUILD_FUZZ)/corpus-$$t tests/data/corpora/*/ || exit 1; \
	done

deps-bench: deps
	$(call install_missing,$(DEPS_BENCH))

bench: deps-bench build
	meson test -C $(BUILD) --benchmark --verbose --timeout-multiplier 0

clean:
	rm -rf $(BUILD) $(BUILD_TSAN) $(BUILD_ASAN) $(BUILD_FUZZ)

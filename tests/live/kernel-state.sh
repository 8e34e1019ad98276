# Shared by the live tests (sourced). Saves the kernel's audit state and
# puts it back on exit, whatever happens: DESIGN.md's safety rules.
# Needs: auditctl. Sets: KS_SAVED (auditctl -s before the test).

ks_field() { printf '%s\n' "$1" | awk -v k="$2" '$1==k{print $2}'; }

ks_save() {
	KS_SAVED=$(auditctl -s)
	KS_RULES_BEFORE=$(auditctl -l)
}

# The settings a test may change, as auditctl -s prints them.
ks_settings() {
	auditctl -s | awk '$1=="enabled"||$1=="failure"||$1=="pid"||$1=="rate_limit"||$1=="backlog_limit"||$1=="backlog_wait_time"'
}

ks_restore() {
	local key=$1
	# Our rules go first, so nothing more is generated for them.
	auditctl -D -k "$key" >/dev/null 2>&1
	local en=$(ks_field "$KS_SAVED" enabled)
	[ "$en" = 2 ] || auditctl -e "$en" >/dev/null
	auditctl -b "$(ks_field "$KS_SAVED" backlog_limit)" \
		--backlog_wait_time "$(ks_field "$KS_SAVED" backlog_wait_time)" \
		-r "$(ks_field "$KS_SAVED" rate_limit)" >/dev/null
	local f=$(ks_field "$KS_SAVED" failure)
	[ "$f" = 2 ] || auditctl -f "$f" >/dev/null
}

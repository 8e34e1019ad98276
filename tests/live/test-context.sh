#!/usr/bin/env bash
# Live: the seed's four scenarios, on the real kernel with needle running,
# and the decoded answers (JSON, and the summary of the RAW log):
#  1 a client connecting to a local port: what connect on x86_64, objects
#    the address and port, how the client's argv, the test shell its parent;
#  2 a file read through a relative path from another directory: objects
#    the resolved absolute path, its owner (nobody) not the reader (root),
#    both in the summary;
#  3 an interpreter running a script: the script's name in how.argv;
#  4 a program run as uid 0 inside new pid, mount, user, uts and ipc
#    namespaces and a cgroup named like a docker container, by user nobody
#    and group nogroup under a login uid of the test: where.container docker
#    and the id, who.auid the login, who.host_uid nobody and
#    who.container_uid 0, who.host_gid nogroup and who.container_gid 0
#    (unshare --map-root-user writes gid_map "0 GID 1" after setgroups
#    deny), where.namespaces those five.
# Rules are narrow (ppid of this shell, or the test's login uid), under the
# test's key; the cgroup is removed and the kernel restored afterwards.
# usage: test-context.sh NEEDLE   (TAP)
set -u
NEEDLE=$1
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-ctx-$$"
here=$(dirname "$0")
py=/usr/bin/python3
login=$((420000 + $$ % 10000)) # a login uid nobody else has
cid=$(printf '%s' "$LIVE_KEY" | sha256sum | cut -c1-64)
nobody=$(id -u nobody)
nogroup=$(getent group nogroup | cut -d: -f3)

echo "TAP version 13"
echo "1..5"
# Every case is reported; the test exits 1 when any of them failed.
failures=0
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do echo "# $l"; done; failures=$((failures + 1)); }

live_start ctx "output = json,raw
control_socket =
metrics_listen =" || { echo "Bail out! needle did not start"; exit 1; }
needle_pid=$started_pid
dir=$LIVE_TOP/ctx
rule() { auditctl -a always,exit -F arch=b64 "$@" -k "$LIVE_KEY" >/dev/null; }

# 1: connect
port=$((30000 + $$ % 20000))
$py -c "import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen(1); s.settimeout(10); s.accept()" &
server=$!
LIVE_PIDS+=("$server")
sleep 0.5
rule -S connect -F ppid=$$
$py -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" client-of-$LIVE_KEY
# 2: a relative path into another user's home
mkdir -p "$LIVE_TOP/home/victim/.ssh" "$LIVE_TOP/work/sub"
echo "not a key" > "$LIVE_TOP/home/victim/.ssh/id_rsa"
chown -R nobody "$LIVE_TOP/home/victim"
chmod 755 "$LIVE_TOP" "$LIVE_TOP/home" "$LIVE_TOP/work" "$LIVE_TOP/work/sub"
rule -S openat -F ppid=$$ -F dir="$LIVE_TOP/home"
(cd "$LIVE_TOP/work/sub" && exec cat ../../home/victim/.ssh/id_rsa > /dev/null)
# 3: an interpreter and its script
printf 'exit 0\n' > "$LIVE_TOP/script-$LIVE_KEY.sh"
rule -S execve -F ppid=$$
sh "$LIVE_TOP/script-$LIVE_KEY.sh"
# 4: root in a user namespace, in a docker-named cgroup, by nobody, under a login
trap 'live_remove_cgroup; live_cleanup' EXIT
live_docker_cgroup "$cid"
rule -S execve -F auid=$login
sh -c "echo $login > /proc/self/loginuid && echo \$\$ > $cg/cgroup.procs &&
	exec setpriv --reuid=$nobody --regid=$nogroup --clear-groups \
		unshare --user --map-root-user --pid --mount --uts --ipc --fork sleep 3" &
ns_job=$!
sleep 1.5 # needle meets sleep while it runs
wait "$ns_job"
auditctl -D -k "$LIVE_KEY" >/dev/null
kill "$server" 2>/dev/null
live_stop "$needle_pid"; status=$?
live_remove_cgroup
"$NEEDLE" decode -f summary "$dir/log/needle.log" > "$dir/summary" 2>/dev/null

/usr/bin/python3 - "$dir/log/needle.json" "$dir/summary" "$LIVE_KEY" "$port" "$$" "$LIVE_TOP" "$login" "$cid" "$nobody" "$nogroup" <<'PY'
import json, sys
path, summary, key, port, shell, top, login, cid, nobody, nogroup = sys.argv[1:]
port, shell, login, nobody, nogroup = int(port), int(shell), int(login), int(nobody), int(nogroup)
events = [json.loads(l) for l in open(path, encoding="utf-8")]
ours = [e for e in events if key in (e.get("why", {}).get("keys") or [])]
lines = open(summary, encoding="utf-8").read().splitlines()
n = failed = 0
def check(ok, what, detail):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - {what}")
    if not ok:
        failed += 1
        print("# " + json.dumps(detail)[:3000])

def find(pred):
    return next((e for e in ours if pred(e)), None)

# 1
e = find(lambda e: e["what"].get("syscall") == "connect")
ok = bool(e) and e["what"].get("arch") == "x86_64" and any(
    (o.get("addr") or {}).get("port") == port and (o.get("addr") or {}).get("addr") == "127.0.0.1"
    for o in e.get("objects", [])) \
    and f"client-of-{key}" in (e["how"].get("argv") or []) \
    and (e["where"].get("ancestors") or [{}])[0].get("pid") == shell
check(ok, "connect: x86_64, 127.0.0.1:%d in objects, the client's argv, this shell its parent" % port, e)
# 2
want = f"{top}/home/victim/.ssh/id_rsa"
e = find(lambda e: any(o.get("path") == want for o in e.get("objects", [])))
obj = next((o for o in (e or {}).get("objects", []) if o.get("path") == want), {})
sline = next((l for l in lines if want in l), "")
ok = bool(e) and e["who"].get("uid") == 0 and obj.get("ouid") in (nobody, str(nobody)) \
    and f"{want} (owner uid {nobody})" in sline and "uid 0 " in sline
check(ok, "relative path: resolved to %s, owner nobody, reader root, both in the summary" % want,
      {"event": e, "summary": sline})
# 3
e = find(lambda e: e["what"].get("syscall") == "execve" and
         any(a.endswith(f"script-{key}.sh") for a in (e["how"].get("argv") or [])))
check(bool(e), "interpreter: the script's name in how.argv", [x["how"] for x in ours if x["what"].get("syscall") == "execve"])
# 4
e = find(lambda e: e["what"].get("syscall") == "execve" and e["who"].get("auid") == login and
         (e["how"].get("argv") or [""])[0] == "sleep")
w = (e or {}).get("where", {})
who = (e or {}).get("who", {})
ok = bool(e) and w.get("container", {}).get("runtime") == "docker" and \
    w.get("container", {}).get("id") == cid and who.get("auid") == login and \
    who.get("host_uid") == nobody and who.get("container_uid") == 0 and \
    who.get("host_gid") == nogroup and who.get("container_gid") == 0 and \
    set(w.get("namespaces", [])) >= {"pid", "mnt", "user", "uts", "ipc"}
check(ok, "container: docker and its id, auid the login, host uid nobody, container uid 0, "
      "host gid nogroup, container gid 0, pid mnt user uts ipc namespaces", e)
sys.exit(1 if failed else 0)
PY
[ $? = 0 ] || failures=$((failures + 1))
if [ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ ! -e "$cg_top" ]; then
	echo "ok 5 - needle exited 0, kernel state restored, test cgroup removed"
else
	echo "not ok 5 - needle exited 0 ($status), kernel state restored, test cgroup removed"
	failures=$((failures + 1))
fi
[ "$failures" = 0 ]

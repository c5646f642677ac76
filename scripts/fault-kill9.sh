#!/usr/bin/env bash
# fault-kill9.sh DIALECT [SERVERS] [KILLS]
#
# Fault: `kill -9` of the node at random moments during fan-outs, KILLS
# times (10), restarting it each time. kith-load plays SERVERS fake servers
# (1000) with one member each, then posts KILLS notes that mention the
# group, one after another; after each note is accepted the script waits
# a random 0–MAX_DELAY s (default 1.5: a 1,000-server fan-out takes about
# a second here, so a longer wait mostly kills a node with nothing in
# flight), kills the node with SIGKILL and starts it again at once. The tool re-posts a
# note the node did not accept (as a real server retries) and waits until
# every server has an Announce of every note.
#
# PASS: every server received both Announces (FEP-1b12 Announce{Create}
# and the plain boost) of every note (zero lost). Duplicates (the same
# activity twice at a server: a delivery made, then killed before it was
# marked done, so retried) are reported; they are allowed.
#
# Deliveries that were running when the node died stay "running" in the
# queue until River's rescuer takes them back (queue.DefaultRescueAfter,
# 3 min, checked every 30 s) and then wait their first retry (30 s), so
# the wait is bounded by -timeout 8m.
set -u
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

dialect=${1:-sqlite}
servers=${2:-1000}
kills=${3:-10}
build || exit 1
data=$WORK/data-kill9-$dialect
rm -rf "$data"
mkdir -p "$data"
fresh_db "$dialect" || exit 1
db=$DB
create_group "$data" "$db" load || exit 1
nodelog=$WORK/node-kill9-$dialect.log
events=$WORK/events-kill9-$dialect
: >"$events"
start_node "$data" "$db" "$NODE_PORT" "$nodelog" || exit 1
echo "## fault: kill -9 during fan-out, $dialect, $servers servers, $kills kills"
machine

out=$WORK/load-kill9-$dialect.txt
"$LOAD_BIN" -node "http://127.0.0.1:$NODE_PORT" -metrics "$(metrics_url "$NODE_PORT")" -scenario fanout -members "$servers" -servers "$servers" \
	-posts "$kills" -software unknown -kinds 2 -post-every 1s -timeout 8m -settle 5s -events "$events" ${KEY_FILE:+-key-file "$KEY_FILE"} >"$out" 2>&1 &
tool=$!
TOOL_PIDS+=("$tool")

wait_event() { # PATTERN SECONDS
	local i
	for i in $(seq 1 $((10 * $2))); do
		grep -q "$1" "$events" && return 0
		kill -0 "$tool" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

wait_event fanout-start 900 || { echo "FAIL: setup did not finish"; cat "$out"; exit 1; }
for k in $(seq 1 "$kills"); do
	wait_event "posted $k " 600 || { echo "FAIL: note $k was never accepted"; break; }
	delay=$(awk -v s="$RANDOM" -v m="${MAX_DELAY:-1.5}" 'BEGIN {srand(s); printf "%.2f", rand() * m}')
	sleep "$delay"
	running=$(queue_depth "$db" "$data" | tr "\n" " ")
	kill -KILL "$NODE_PID"
	wait "$NODE_PID" 2>/dev/null
	log "kill $k: SIGKILL ${delay}s after note $k was accepted ($running jobs queued or running)"
	start_node "$data" "$db" "$NODE_PORT" "$nodelog" || { echo "FAIL: restart $k"; exit 1; }
	stuck=$(if [ -n "$db" ]; then psql -qtA "$db" -c "SELECT count(*) FROM river_job WHERE state='running'"; else sqlite3 "$data/kith.db" "SELECT count(*) FROM river_job WHERE state='running'"; fi)
	log "restart $k: node pid $NODE_PID; $stuck jobs left 'running' by the killed process"
done
start=$(date +%s)
wait "$tool"
rc=$?
log "all notes fanned out (or timed out) $(( $(date +%s) - start )) s after the last restart"
sed -n '/== fanout/,$p' "$out"
lost=$(awk '$1=="lost" {print $2}' "$out")
dups=$(awk '$1=="duplicates" {print $2}' "$out")
stop_node "$NODE_PID"
if [ "$rc" = 0 ] && [ "$lost" = 0 ]; then
	echo "PASS: kill -9 ×$kills during fan-out to $servers servers ($dialect): 0 lost, $dups duplicates"
	exit 0
fi
echo "FAIL: kill -9 ×$kills during fan-out to $servers servers ($dialect): lost ${lost:-?}, tool exit $rc (see $out)"
exit 1

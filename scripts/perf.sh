#!/usr/bin/env bash
# perf.sh DIALECT SCENARIO [kith-load flags…]
#
# One measurement on a fresh node: DIALECT is sqlite or postgres (a new
# database in $KITH_PERF_PG, dropped afterwards). Starts `kith serve`,
# runs kith-load with SCENARIO and the given flags, and prints the tool's
# table followed by the node's memory (VmRSS now, VmHWM = peak) and the
# load average before and after. For "pages" it first runs a small fanout
# so there is a thread to load. With IDLE_RSS=1 it also restarts the node
# after the scenario and reports its idle RSS with the members it has.
#
#   scripts/perf.sh sqlite fanout -members 10000 -servers 1000 -timeout 600s
#
# Exit status: kith-load's (0 = the scenario completed).
set -u
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

dialect=$1 scenario=$2
shift 2
build || exit 1
data=$WORK/data-$dialect-$scenario
rm -rf "$data"
mkdir -p -m 700 "$data"
fresh_db "$dialect" || exit 1
db=$DB
create_group "$data" "$db" load || exit 1
nodelog=$WORK/node-$dialect-$scenario.log
start_node "$data" "$db" "$NODE_PORT" "$nodelog" || exit 1
echo "## $dialect $scenario $*"
machine
echo "commit: $(git -C "$(dirname "$0")/.." rev-parse --short HEAD) (+ working tree)"
echo "node pid $NODE_PID, RSS at start $(rss "$NODE_PID" VmRSS) MiB"

if [ "$scenario" = pages ]; then
	"$LOAD_BIN" -node "http://127.0.0.1:$NODE_PORT" -metrics "$(metrics_url "$NODE_PORT")" -scenario fanout -members 200 -servers 50 -timeout 120s >/dev/null 2>&1
fi
# Sample the node's RSS every 200 ms while the tool runs. When the tool
# says the fan-out starts, reset the kernel's peak (VmHWM) so that the
# peak printed at the end is the fan-out's own, not the setup's.
events=$WORK/events-$dialect-$scenario
rm -f "$events" "$WORK/rssmax" "$WORK/inboxcpu0"
(
	max=0 reset=0 cpu0=
	while kill -0 "$NODE_PID" 2>/dev/null; do
		if [ $reset = 0 ] && grep -q fanout-start "$events" 2>/dev/null; then
			echo 5 >"/proc/$NODE_PID/clear_refs" 2>/dev/null
			reset=1
		fi
		# The node's CPU time (user + system) when the inbox burst starts.
		if [ -z "$cpu0" ] && grep -q inbox-start "$events" 2>/dev/null; then
			cpu0=$(cputicks "$NODE_PID")
			echo "$cpu0" >"$WORK/inboxcpu0"
		fi
		r=$(awk '$1=="VmRSS:" {print $2}' "/proc/$NODE_PID/status" 2>/dev/null)
		[ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r && echo "$max" >"$WORK/rssmax"
		sleep 0.2
	done
) &
sampler=$!
start=$(date +%s.%N)
"$LOAD_BIN" -node "http://127.0.0.1:$NODE_PORT" -metrics "$(metrics_url "$NODE_PORT")" -scenario "$scenario" -events "$events" "$@"
rc=$?
end=$(date +%s.%N)
if [ -s "$WORK/inboxcpu0" ]; then
	cpu=$(( $(cputicks "$NODE_PID") - $(cat "$WORK/inboxcpu0") ))
	echo "node CPU from the inbox burst's start until all was processed: $(echo "scale=2; $cpu / $(getconf CLK_TCK)" | bc) s"
fi
echo "tool exit $rc after $(echo "$end - $start" | bc) s; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -q fanout-start "$events" 2>/dev/null; then
	echo "node memory: VmRSS $(rss "$NODE_PID" VmRSS) MiB now; peak during the fan-out (VmHWM, reset when it started) $(rss "$NODE_PID" VmHWM) MiB; peak of the whole run, setup included (sampled every 200 ms) $(( $(cat "$WORK/rssmax" 2>/dev/null || echo 0) / 1024 )) MiB"
else
	echo "node memory: VmRSS $(rss "$NODE_PID" VmRSS) MiB now, VmHWM (peak) $(rss "$NODE_PID" VmHWM) MiB"
fi
echo "queue now (waiting or running jobs by kind): $(queue_depth "$db" "$data" | tr "\n" " ")"
kill "$sampler" 2>/dev/null

if [ "${IDLE_RSS:-0}" = 1 ]; then
	wait_idle "$db" "$data" 120 || echo "queue still busy after 120 s"
	sleep 10
	echo "node RSS after the run, 10 s idle: $(rss "$NODE_PID" VmRSS) MiB"
	stop_node "$NODE_PID"
	start_node "$data" "$db" "$NODE_PORT" "$nodelog" || exit 1
	members=$(if [ -n "$db" ]; then psql -qtA "$db" -c "SELECT count(*) FROM follows"; else sqlite3 "$data/kith.db" "SELECT count(*) FROM follows"; fi 2>/dev/null)
	sleep 30
	curl -fsS -o /dev/null "http://127.0.0.1:$NODE_PORT/groups/load"
	sleep 5
	echo "restarted node, 35 s idle with $members follow rows: VmRSS $(rss "$NODE_PID" VmRSS) MiB, VmHWM $(rss "$NODE_PID" VmHWM) MiB"
fi
stop_node "$NODE_PID"
exit $rc

#!/usr/bin/env bash
# scaleout.sh NODES [kith-load flags…]
#
# Scale-out: NODES `kith serve` processes on one fresh PostgreSQL database,
# each on its own port (18080, 18081, …) with the same --domain. kith-load
# talks to the first; the job queue spreads the deliveries over all of
# them. Runs the fanout scenario with the given flags, then prints how
# many deliveries each process made (River's attempted_by) and whether any
# activity reached a server twice (the tool's duplicates row).
#
#   scripts/scaleout.sh 3 -members 5000 -servers 1000 -timeout 600s
set -u
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

nodes=$1
shift
build || exit 1
data=$WORK/data-scaleout-$nodes
rm -rf "$data"
mkdir -p "$data"
fresh_db postgres || exit 1
db=$DB
create_group "$data" "$db" load || exit 1
pids=()
for i in $(seq 0 $((nodes - 1))); do
	start_node "$data" "$db" $((NODE_PORT + i)) "$WORK/node-scaleout-$nodes-$i.log" || exit 1
	pids+=("$NODE_PID")
done
echo "## scale-out: $nodes nodes on one PostgreSQL database $*"
machine
"$LOAD_BIN" -node "http://127.0.0.1:$NODE_PORT" -metrics "$(metrics_url "$NODE_PORT")" -scenario fanout "$@"
rc=$?
echo "tool exit $rc; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "completed delivery jobs by process (River client id) and kind (deliver: one inbox; fanout: a batch of up to 50), and attempts > 1:"
psql -qtA -F ' ' "$db" -c "SELECT attempted_by[array_length(attempted_by, 1)], kind, count(*), count(*) FILTER (WHERE attempt > 1) FROM river_job WHERE kind IN ('deliver', 'fanout') AND state = 'completed' GROUP BY 1, 2 ORDER BY 1, 2"
for pid in "${pids[@]}"; do
	echo "node $pid: VmHWM $(rss "$pid" VmHWM) MiB"
	stop_node "$pid"
done
exit $rc

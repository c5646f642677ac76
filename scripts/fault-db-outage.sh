#!/usr/bin/env bash
# fault-db-outage.sh [SERVERS] [OUTAGE_SECONDS]
#
# Fault: the database briefly unavailable. Creates a throwaway PostgreSQL
# cluster (15/kithfault on port 5499, trust auth on loopback; dropped at
# the end — the shared cluster on 5432 is never touched), runs a node on
# it, and while kith-load fans out notes to SERVERS servers (300) stops
# the cluster for OUTAGE_SECONDS (15), then starts it again. The node is
# not restarted.
#
# PASS when: the node answers /healthz 503 during the outage and 200
# after; inbox POSTs during the outage are refused with a 5xx (so senders
# retry them) and accepted after; every server receives every note (zero
# lost, including the deliveries queued before the outage); the node's
# pid is unchanged. The tool keeps counting for SETTLE (4 min) after the
# last delivery: River's completer gives up on completions it could not
# write during the outage, those jobs stay "running" until the rescuer
# retries them (queue.DefaultRescueAfter), and their second delivery is a
# duplicate the tool should see.
set -u
. "$(dirname "$0")/lib.sh"

servers=${1:-300}
outage=${2:-15}
posts=8
PGVER=${PGVER:-15}
CLUSTER=kithfault
PGPORT=5499

drop_cluster() {
	pg_ctlcluster "$PGVER" "$CLUSTER" stop -m immediate >/dev/null 2>&1
	pg_dropcluster "$PGVER" "$CLUSTER" >/dev/null 2>&1
}
trap 'cleanup; drop_cluster' EXIT

build || exit 1
drop_cluster
pg_createcluster "$PGVER" "$CLUSTER" --port "$PGPORT" >/dev/null || { echo "FAIL: pg_createcluster"; exit 1; }
hba=/etc/postgresql/$PGVER/$CLUSTER/pg_hba.conf
cat >"$hba" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
pg_ctlcluster "$PGVER" "$CLUSTER" start || { echo "FAIL: start cluster"; exit 1; }
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE kith" postgres || exit 1
db="postgres://postgres@127.0.0.1:$PGPORT/kith?sslmode=disable"
data=$WORK/data-outage
rm -rf "$data"
mkdir -p "$data"
create_group "$data" "$db" load || exit 1
nodelog=$WORK/node-outage.log
events=$WORK/events-outage
: >"$events"
start_node "$data" "$db" "$NODE_PORT" "$nodelog" || exit 1
pid=$NODE_PID
echo "## fault: database unavailable for ${outage}s during fan-out (PostgreSQL, $servers servers, $posts notes)"
machine

out=$WORK/load-outage.txt
"$LOAD_BIN" -node "http://127.0.0.1:$NODE_PORT" -metrics "$(metrics_url "$NODE_PORT")" -scenario fanout -members "$servers" -servers "$servers" \
	-posts "$posts" -software unknown -kinds 2 -post-every 3s -timeout 6m -settle "${SETTLE:-4m}" -events "$events" ${KEY_FILE:+-key-file "$KEY_FILE"} >"$out" 2>&1 &
tool=$!
TOOL_PIDS+=("$tool")
for i in $(seq 1 9000); do grep -q "posted 2 " "$events" && break; kill -0 "$tool" 2>/dev/null || break; sleep 0.1; done
grep -q "posted 2 " "$events" || { echo "FAIL: the fan-out never started"; cat "$out"; exit 1; }

queued=$(psql -qtA "$db" -c "SELECT count(*) FROM river_job WHERE state IN ('available','running','retryable','scheduled')")
log "stopping PostgreSQL ($queued jobs queued)"
pg_ctlcluster "$PGVER" "$CLUSTER" stop -m fast
sleep 2
health_down=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "http://127.0.0.1:$NODE_PORT/healthz")
log "during the outage: /healthz $health_down"
sleep $((outage - 2))
pg_ctlcluster "$PGVER" "$CLUSTER" start
log "PostgreSQL is back"
health_up=000
for i in $(seq 1 300); do
	health_up=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$NODE_PORT/healthz")
	[ "$health_up" = 200 ] && break
	sleep 0.1
done
log "after: /healthz $health_up after $((i / 10)) s"

wait "$tool"
rc=$?
stuck=$(psql -qtA "$db" -c "SELECT count(*) FROM river_job WHERE state = 'running'")
sed -n '/== fanout/,$p' "$out"
echo "node answers to the tool's note POSTs (conn = connection refused or reset):"
sed -n 's/.*\(posted [0-9]*\) .*tries \([0-9]*\) answers \(.*\)/  \1: \3/p' "$events"
lost=$(awk '$1=="lost" {print $2}' "$out")
dups=$(awk '$1=="duplicates" {print $2}' "$out")
refused_5xx=$(grep -c 'answers .*5[0-9][0-9]' "$events")
same_pid=no
kill -0 "$pid" 2>/dev/null && [ "$pid" = "$NODE_PID" ] && same_pid=yes
echo "jobs still marked running at the end: $stuck"
echo "what the node logged at warn and error, by message:"
grep -o 'msg="[^"]*"' "$nodelog" | sort | uniq -c | sort -rn | head -12
stop_node "$NODE_PID"

verdict=PASS
[ "$rc" = 0 ] && [ "$lost" = 0 ] || verdict=FAIL
[ "$health_down" = 503 ] && [ "$health_up" = 200 ] || verdict=FAIL
[ "$same_pid" = yes ] || verdict=FAIL
[ "$refused_5xx" -ge 1 ] || echo "note: no note was POSTed during the outage, so no 5xx was seen"
echo "$verdict: database down ${outage}s: /healthz $health_down during, $health_up after; $refused_5xx notes refused with 5xx and retried; lost ${lost:-?}, duplicates ${dups:-?}; same node process: $same_pid"
[ "$verdict" = PASS ]

# shellcheck shell=bash
# Helpers shared by the measurement and fault scripts: build the binaries,
# start and stop a node on a fresh database, watch its memory. Source it.
#
# Everything runs on loopback. A PostgreSQL run creates its own database
# (kith_perf_<pid>) in the cluster named by KITH_PERF_PG and drops it at
# the end; it never touches other databases in that cluster.

set -u

KITH_PERF_PG=${KITH_PERF_PG:-postgres://postgres@127.0.0.1:5432}
WORK=${WORK:-$(mktemp -d /tmp/kith-perf.XXXXXX)}
KITH_BIN=${KITH_BIN:-$WORK/kith}
LOAD_BIN=${LOAD_BIN:-$WORK/kith-load}
NODE_PORT=${NODE_PORT:-18080}
# A node on PORT serves its metrics (--metrics-listen) on PORT+METRICS_OFFSET.
METRICS_OFFSET=${METRICS_OFFSET:-1000}
NODE_PIDS=()
TOOL_PIDS=() # kith-load runs in the background, stopped by cleanup
PG_DBS=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# build compiles kith and kith-load unless KITH_BIN/LOAD_BIN already exist.
build() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	[ -x "$KITH_BIN" ] || (cd "$root" && go build -o "$KITH_BIN" ./cmd/kith) || return 1
	[ -x "$LOAD_BIN" ] || (cd "$root" && go build -o "$LOAD_BIN" ./cmd/kith-load) || return 1
}

# fresh_db DIALECT: sets DB to the --database value for a new, empty
# database (empty for SQLite in the data directory). Not in a $(…)
# subshell: cleanup must see the database to drop it.
fresh_db() {
	case $1 in
	sqlite) DB="" ;;
	postgres)
		local name="kith_perf_$$_${#PG_DBS[@]}"
		psql -q "$KITH_PERF_PG/postgres" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null || return 1
		PG_DBS+=("$name")
		DB="$KITH_PERF_PG/$name?sslmode=disable"
		;;
	*) echo "unknown dialect $1" >&2; return 1 ;;
	esac
}

# node_flags DATA DB: the flags every node of a run shares.
node_flags() {
	local flags=(--data "$1" --domain "127.0.0.1:$NODE_PORT" --insecure-http --allow-private-networks --log-level "${NODE_LOG_LEVEL:-warn}")
	[ -n "$2" ] && flags+=(--database "$2")
	echo "${flags[@]}"
}

# create_group DATA DB NAME
create_group() {
	# shellcheck disable=SC2046
	"$KITH_BIN" group create "$3" $(node_flags "$1" "$2") >/dev/null
}

# start_node DATA DB PORT LOGFILE: starts `kith serve` listening on PORT,
# with its metrics on PORT+METRICS_OFFSET (the domain is always
# 127.0.0.1:$NODE_PORT), and waits for /healthz. Sets NODE_PID.
start_node() {
	local data=$1 db=$2 port=$3 logf=$4
	# shellcheck disable=SC2046
	"$KITH_BIN" serve $(node_flags "$data" "$db") --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$((port + METRICS_OFFSET))" >>"$logf" 2>&1 &
	NODE_PID=$!
	NODE_PIDS+=("$NODE_PID")
	local i
	for i in $(seq 1 200); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
			return 0
		fi
		kill -0 "$NODE_PID" 2>/dev/null || { log "node exited at start; see $logf"; return 1; }
		sleep 0.1
	done
	log "node did not answer /healthz on $port"
	return 1
}

# stop_node PID: SIGTERM, then SIGKILL after 30 s.
stop_node() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# rss PID FIELD: VmRSS or VmHWM of a process, in MiB.
rss() { awk -v f="$2:" '$1==f {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null; }

# metrics_url PORT: the -metrics value for kith-load for the node on PORT.
metrics_url() { echo "http://127.0.0.1:$(($1 + METRICS_OFFSET))"; }

# queue_depth DB DATA: jobs waiting or running.
queue_depth() {
	local q="SELECT kind || ' ' || count(*) FROM river_job WHERE state IN ('available','scheduled','retryable','running') GROUP BY kind ORDER BY kind"
	if [ -n "$1" ]; then psql -qtA "$1" -c "$q"; else sqlite3 "$2/kith.db" "$q" 2>/dev/null || echo "?"; fi
}

# wait_idle DB DATA SECONDS: waits until no job is available or running
# (scheduled retries may remain), at most SECONDS.
wait_idle() {
	local q="SELECT count(*) FROM river_job WHERE state IN ('available','running')" i n
	for i in $(seq 1 "$3"); do
		if [ -n "$1" ]; then n=$(psql -qtA "$1" -c "$q"); else n=$(sqlite3 "$2/kith.db" "$q" 2>/dev/null); fi
		[ "$n" = 0 ] && return 0
		sleep 1
	done
	return 1
}

cleanup() {
	local pid name
	for pid in "${TOOL_PIDS[@]}" "${NODE_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for name in "${PG_DBS[@]}"; do
		psql -q "$KITH_PERF_PG/postgres" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
	done
}

machine() {
	echo "cpu: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# cputicks PID: the process's user + system CPU time in clock ticks.
cputicks() {
	awk '{print $14 + $15}' "/proc/$1/stat"
}

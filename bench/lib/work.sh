# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# The work one request costs the whole system, counted rather than timed (counts do not depend
# on how busy the shared machine is): transactions and statements per database, WAL records,
# bytes and syncs, round trips to PostgreSQL, NATS messages and bytes, and CPU time summed over
# every process (the services, every PostgreSQL process, nats-server). The same counts for the
# pgbench ceiling sit beside them. Sourced by bench/run and bench/profile.
#
#   work_setup                    after start_servers: pg_stat_statements on (a restart)
#   work_begin NAME               snapshot before a load
#   work_end NAME                 snapshot after it (and after the pipeline drained)
#   work_rows ITEM NAME N UNIT    the two table rows: work and CPU per UNIT (N of them)
#
# Round trips are the reads in which PostgreSQL's processes received something from a client
# (recvfrom returning data, counted by `perf stat` when perf is installed; "-" otherwise): one
# per statement sent alone, one per pipeline or multi-statement string sent at once.

# nats-server's monitoring endpoint (/varz), started by scripts/servers when this is set.
export NATS_MONITOR_PORT=$((base + 822))

work_setup() {
  admin_sql -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
  NATS_PORT=$nats_port PG_PORT=$pg_port "$root/scripts/servers" stop-pg "$data" >/dev/null
  NATS_PORT=$nats_port PG_PORT=$pg_port "$root/scripts/servers" start-pg "$data" >>"$out/servers.log" 2>&1
  admin_sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  mkdir -p "$out/work"
  # Until work_idle has run: the servers' own idle ticks.
  work_snapshot "$out/work/idle-before"
  sleep 3
  work_snapshot "$out/work/idle-after"
  idle_seconds=3
}

# work_idle SECONDS: after start_services, the work of the idle system (relay polls, fetch
# expiries) over SECONDS: two rows per second, and (its files being idle-before/-after) the
# background subtracted from every load from then on.
work_idle() {
  local seconds=$1 n total s split=""
  work_begin idle
  sleep "$seconds"
  work_end idle
  n=$(work_value idle seconds)
  total=0
  for s in postgres nats "${services[@]}"; do
    local ms; ms=$(calc "$(work_value idle "cpu_$s") * 1000 / $(getconf CLK_TCK)" 1)
    total=$(calc "$total + $ms" 1)
    split+="${split:+, }$s $(per "$n" "$ms" 2)"
  done
  row "0 idle: work per second" "$(work_figure idle "$n")" "-" "-" "— (count)" "-"
  row "0 idle: CPU per second" "$(per "$n" "$total" 2) ms ($split)" "-" "-" "— (count)" "-"
  say "idle: per second $(work_figure idle "$n"); CPU $(per "$n" "$total" 2) ms ($split)"
  idle_seconds=$n
}

pg_postmaster() { head -1 "$data/pg/postmaster.pid" 2>/dev/null; }

# Every process as "pid state ppid utime stime cutime cstime" (the command name removed).
proc_table() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | sed 's/ (.*) / /' | awk '{ print $1, $2, $3, $12, $13, $14, $15 }'
}

# CPU clock ticks of PID and, with "tree", of its children and its reaped children.
ticks() {
  local pid=$1 tree=${2:-}
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo 0; return; }
  proc_table | awk -v p="$pid" -v tree="$tree" '
    $1 == p { s += $4 + $5; if (tree == "tree") s += $6 + $7 }
    tree == "tree" && $3 == p { s += $4 + $5 }
    END { print s + 0 }'
}

# work_snapshot FILE: "key value" lines.
work_snapshot() {
  local f=$1 s
  {
    admin_sql -F ' ' -c "SELECT 'commits_' || datname, xact_commit FROM pg_stat_database
        WHERE datname IN ('posts','comments','moderation','query','bench')
      UNION ALL SELECT 'statements_' || d.datname, sum(s.calls)::bigint
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname IN ('posts','comments','moderation','query','bench') GROUP BY d.datname
      UNION ALL SELECT 'wal_records', wal_records FROM pg_stat_wal
      UNION ALL SELECT 'wal_fpi', wal_fpi FROM pg_stat_wal
      UNION ALL SELECT 'wal_bytes', wal_bytes::bigint FROM pg_stat_wal
      UNION ALL SELECT 'wal_syncs', wal_sync FROM pg_stat_wal" 2>/dev/null
    echo "cpu_postgres $(ticks "$(pg_postmaster)" tree)"
    echo "cpu_nats $(ticks "$(cat "$data/nats.pid" 2>/dev/null)")"
    for s in "${services[@]}"; do echo "cpu_$s $(ticks "${svc_pid[$s]:-}")"; done
    curl -fs "http://127.0.0.1:$NATS_MONITOR_PORT/varz" 2>/dev/null |
      tr -d ' ,"' | awk -F: '$1 ~ /^(in_msgs|out_msgs|in_bytes|out_bytes)$/ { print "nats_" $1, $2 }'
    date +'seconds %s.%N'
  } >"$f"
  # Per statement, for the detail file: database, calls, WAL records, WAL bytes, exec ms, text.
  admin_sql -F $'\t' -c "SELECT d.datname || ':' || s.queryid, s.calls, s.wal_records, s.wal_bytes,
      round(s.total_exec_time::numeric, 3), left(regexp_replace(s.query, '\s+', ' ', 'g'), 110)
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname IN ('posts','comments','moderation','query','bench')" >"$f.statements" 2>/dev/null || true
}

# work_statements NAME N UNIT: the statements that ran during load NAME, per UNIT, busiest first.
work_statements() {
  local name=$1 n=$2
  printf '%-11s %8s %8s %8s %8s  %s\n' "database" "calls" "WAL rec" "WAL B" "exec µs" "statement (per $3)"
  # Grouped by database and text; "IN ($1,$2,...)" lists of any length are one statement.
  awk -F'\t' -v n="$n" 'FNR == 1 { f++ }
    f == 1 { c[$1] = $2; r[$1] = $3; b[$1] = $4; t[$1] = $5; next }
    { dc = $2 - c[$1]; if (dc <= 0) next
      q = $6; gsub(/\(\$[0-9]+(,\$[0-9]+)*,?/, "($n...", q); split($1, db, ":")
      k = db[1] ":" q; K[k] = 1; C[k] += dc; R[k] += $3 - r[$1]; B[k] += $4 - b[$1]; T[k] += $5 - t[$1] }
    END { for (k in K) { i = index(k, ":")
      printf "%-11s %8.3f %8.2f %8.0f %8.2f  %s\n", substr(k, 1, i - 1), C[k] / n, R[k] / n, B[k] / n,
        T[k] * 1000 / n, substr(k, i + 1) } }' \
    "$out/work/$name-before.statements" "$out/work/$name-after.statements" | sort -k5 -g -r
}

# Round trips: perf counts the client messages read by PostgreSQL's processes (the postmaster's children,
# including those forked during the load) from work_begin to work_end.
work_begin() {
  local name=$1
  work_snapshot "$out/work/$name-before"
  work_perf_pid=""
  command -v perf >/dev/null || return 0
  local try
  # A listed process that exits before perf attaches makes perf give up: list again.
  for try in 1 2 3 4 5; do
    perf stat -x, -e syscalls:sys_exit_recvfrom --filter 'ret > 0' -p "$(pg_children_list)" \
      -o "$out/work/$name-perf" \
      >/dev/null 2>&1 &
    work_perf_pid=$!
    sleep 0.3
    kill -0 "$work_perf_pid" 2>/dev/null && return 0
    wait "$work_perf_pid" 2>/dev/null || true
    work_perf_pid=""
  done
}

pg_children_list() {
  proc_table | awk -v p="$(pg_postmaster)" '$1 == p || $3 == p { print $1 }' | paste -sd,
}

work_end() {
  local name=$1
  if [ -n "${work_perf_pid:-}" ]; then
    kill -INT "$work_perf_pid" 2>/dev/null || true
    wait "$work_perf_pid" 2>/dev/null || true
    work_perf_pid=""
  fi
  work_snapshot "$out/work/$name-after"
}

# work_value NAME KEY: after - before.
work_value() {
  awk -v k="$2" 'FNR == 1 { f++ } $1 == k { v[f] = $2 } END { printf "%.6f", v[2] - v[1] }' \
    "$out/work/$1-before" "$out/work/$1-after"
}

# Idle ticks for SECONDS of KEY.
idle_ticks() {
  awk -v k="$1" -v s="$2" -v i="$idle_seconds" 'FNR == 1 { f++ } $1 == k { v[f] = $2 }
    END { printf "%.6f", (v[2] - v[1]) * s / i }' "$out/work/idle-before" "$out/work/idle-after"
}

round_trips() {
  local f=$out/work/$1-perf
  [ -s "$f" ] && awk -F, '/sys_exit_recvfrom/ { print $1 + 0; found = 1 } END { if (!found) print "" }' "$f"
}

# CPU milliseconds of KEY (cpu_*) during load NAME, less the idle rate over its duration.
cpu_ms() {
  local name=$1 key=$2 seconds hz
  seconds=$(work_value "$name" seconds)
  hz=$(getconf CLK_TCK)
  awk -v t="$(work_value "$name" "$key")" -v i="$(idle_ticks "$key" "$seconds")" -v hz="$hz" \
    'BEGIN { v = (t - i) * 1000 / hz; printf "%.3f", (v < 0 ? 0 : v) }'
}

# per N VALUE [DECIMALS]
per() { awk -v n="$1" -v v="$2" -v d="${3:-1}" 'BEGIN { if (n > 0) printf "%.*f", d, v / n; else print "-" }'; }

# work_net NAME KEY: after - before, less the idle background over the load's duration (a slow
# load on a busy machine would otherwise count more relay polls and fetch expiries per unit).
work_net() {
  [ "$1" = idle ] && { work_value "$1" "$2"; return; }
  awk -v v="$(work_value "$1" "$2")" -v i="$(idle_ticks "$2" "$(work_value "$1" seconds)")" \
    'BEGIN { printf "%.6f", (v - i < 0 ? 0 : v - i) }'
}

# work_figure NAME N: the counts per unit, summed over the databases, idle background excluded.
work_figure() {
  local name=$1 n=$2 db commits=0 stmts=0 c s detail="" rt
  for db in posts comments moderation query bench; do
    c=$(work_net "$name" "commits_$db"); s=$(work_net "$name" "statements_$db")
    commits=$(calc "$commits + $c" 3); stmts=$(calc "$stmts + $s" 3)
    if ge "$(per "$n" "$c" 2)" 0.01; then detail+="${detail:+ }$db $(per "$n" "$c" 2)"; fi
  done
  rt=$(round_trips "$name")
  if [ -n "$rt" ] && [ "$name" != idle ] && [ -n "$(round_trips idle)" ]; then
    rt=$(awk -v r="$rt" -v i="$(round_trips idle)" -v s="$(work_value "$name" seconds)" \
      -v d="$idle_seconds" 'BEGIN { v = r - i * s / d; printf "%.0f", (v < 0 ? 0 : v) }')
  fi
  printf '%s commits (%s), %s statements, %s PG round trips, WAL %s records / %s B (%s FPI), %s WAL syncs, NATS %s msgs / %s B' \
    "$(per "$n" "$commits" 2)" "$detail" "$(per "$n" "$stmts" 1)" \
    "$([ -n "$rt" ] && per "$n" "$rt" 1 || echo -)" \
    "$(per "$n" "$(work_net "$name" wal_records)" 1)" "$(per "$n" "$(work_net "$name" wal_bytes)" 0)" \
    "$(per "$n" "$(work_net "$name" wal_fpi)" 2)" "$(per "$n" "$(work_net "$name" wal_syncs)" 2)" \
    "$(per "$n" "$(calc "$(work_net "$name" nats_in_msgs) + $(work_net "$name" nats_out_msgs)" 0)" 1)" \
    "$(per "$n" "$(calc "$(work_net "$name" nats_in_bytes) + $(work_net "$name" nats_out_bytes)" 0)" 0)"
}

# CPU ms per unit, all processes, and the split.
work_cpu_total() {
  local name=$1 total=0 k
  for k in cpu_postgres cpu_nats "${services[@]/#/cpu_}"; do total=$(calc "$total + $(cpu_ms "$name" "$k")" 3); done
  echo "$total"
}
work_cpu_figure() {
  local name=$1 n=$2 total s split=""
  total=$(work_cpu_total "$name")
  for s in "${services[@]}"; do
    split+="$s $(per "$n" "$(cpu_ms "$name" "cpu_$s")" 3), "
  done
  printf '%s ms (%sPostgreSQL %s, NATS %s)' "$(per "$n" "$total" 3)" "$split" \
    "$(per "$n" "$(cpu_ms "$name" cpu_postgres)" 3)" "$(per "$n" "$(cpu_ms "$name" cpu_nats)" 3)"
}

# The pgbench ceiling's counts, once per run (measure_pgbench calls work_begin/_end "pgbench").
pgbench_work_ready() { [ -f "$out/work/pgbench-after" ]; }

# work_rows ITEM NAME N UNIT: adds "work per UNIT" and "CPU per UNIT" rows for load NAME.
work_rows() {
  local item=$1 name=$2 n=$3 unit=$4 ceiling="-" cpu_ceiling="-" ratio="-"
  [ -f "$out/work/$name-after" ] || return 0
  if pgbench_work_ready; then
    local tx; tx=$(cat "$out/work/pgbench-transactions")
    ceiling="pgbench per transaction: $(work_figure pgbench "$tx" | sed 's/, NATS.*//')"
    local pg_cpu; pg_cpu=$(per "$tx" "$(calc "$(work_cpu_total pgbench) + $(cat "$out/work/pgbench-client-ms")" 3)" 3)
    cpu_ceiling="pgbench $pg_cpu ms per transaction (client $(per "$tx" "$(cat "$out/work/pgbench-client-ms")" 3), PostgreSQL $(per "$tx" "$(cpu_ms pgbench cpu_postgres)" 3))"
    ratio=$(pct "$pg_cpu" "$(per "$n" "$(work_cpu_total "$name")" 3)")
  fi
  row "$item: work per $unit" "$(work_figure "$name" "$n")" "$ceiling" "-" "— (count)" "-"
  row "$item: CPU per $unit" "$(work_cpu_figure "$name" "$n")" "$cpu_ceiling" "$ratio" "— (count)" "-"
  say "$item: work per $unit: $(work_figure "$name" "$n"); CPU $(work_cpu_figure "$name" "$n")"
  work_statements "$name" "$n" "$unit" >"$out/work/$name-statements.txt"
}

# Runs pgbench's measurement under the counters: COMMAND... is the pgbench command line.
work_pgbench() {
  local start end
  work_begin pgbench
  start=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
  "$@"
  local status=$?
  end=$(awk '{ print $14 + $15 + $16 + $17 }' /proc/$$/stat)
  work_end pgbench
  # pgbench's own CPU: the children this shell reaped meanwhile (pgbench, psql).
  calc "($end - $start) * 1000 / $(getconf CLK_TCK)" 3 >"$out/work/pgbench-client-ms"
  awk '/^number of transactions actually processed:/ { split($6, a, "/"); print a[1]; exit }' \
    "$out/pgbench.txt" >"$out/work/pgbench-transactions"
  return $status
}

# work_drained NAME: waits until the pipeline has finished the load's work, then work_end.
work_drained() {
  local started; started=$(date +%s.%N)
  wait_until "$drain_limit" pipeline_idle || say "$1: the pipeline still has work after ${drain_limit}s"
  say "$1: pipeline drained $(calc "$(date +%s.%N) - $started") s after the load"
  work_end "$1"
}

# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Shared helpers of bench/run: logging, the result table, numbers, wrk, psql. Sourced.

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

failures=()
fail() { say "FAILED: $*"; failures+=("$*"); }

# A row of the final table: item, figure, ceiling, ratio, target, met.
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out/rows.tsv"; }

# Arithmetic on decimals (awk): calc '1.5*2' -> 3.0 ; ge A B -> status 0 when A >= B.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }
yes_no() { if "$@"; then echo yes; else echo NO; fi; }
int() { printf '%.0f' "$1"; }

# result FILE KEY: the value of "STAT KEY v" (wrk) or "KEY=v" in a RESULT line (blog-bench).
result() {
  local file=$1 key=$2 v
  v=$(awk -v k="$key" '$1 == "STAT" && $2 == k { print $3; exit }' "$file")
  if [ -z "$v" ]; then
    v=$(grep -o "\b$key=[^ ]*" "$file" | head -1 | cut -d= -f2)
  fi
  echo "${v:-0}"
}

# wrk_run NAME URL SECONDS CONNECTIONS: runs wrk with bench/wrk/request.lua (configured by
# BENCH_* variables in the environment) and keeps its output in $out/NAME.wrk.
wrk_run() {
  local name=$1 url=$2 seconds=$3 conns=$4
  timeout $((seconds + 60)) wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s \
    -s "$bench/wrk/request.lua" "$url" >"$out/$name.wrk" 2>&1 ||
    fail "$name: wrk failed ($(tail -1 "$out/$name.wrk"))"
  say "$name: $(result "$out/$name.wrk" rps) req/s, p50 $(result "$out/$name.wrk" p50_ms) ms, p99 $(result "$out/$name.wrk" p99_ms) ms, non-2xx $(result "$out/$name.wrk" not_ok), socket errors $(result "$out/$name.wrk" socket_errors)"
}

# "1234 req/s, p50 1.2 / p99 3.4 ms" from a wrk result file.
wrk_figure() {
  echo "$(int "$(result "$1" rps)") req/s, p50 $(result "$1" p50_ms) / p99 $(result "$1" p99_ms) ms"
}

# SQL as a service's role over TCP, as the services connect: svc_sql SERVICE SQL...
svc_sql() {
  local s=$1; shift
  PGPASSWORD="$s-local" psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U "$s" -d "$s" "$@"
}

admin_sql() {
  if [ "$(id -un)" = postgres ]; then
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$data/pg-run" -p "$pg_port" -d postgres "$@"
  else
    runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -h "$data/pg-run" -p "$pg_port" -d postgres "$@"
  fi
}

# wait_until SECONDS COMMAND...: polls every 0.2 s; status 1 on timeout.
wait_until() {
  local seconds=$1; shift
  local i
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

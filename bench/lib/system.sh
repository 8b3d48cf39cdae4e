# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Starting and stopping what bench/run measures: the Release build, nats-server and PostgreSQL
# (scripts/servers, own ports and data folder), the four services, nginx. Sourced.

services=(posts comments moderation query)
declare -A svc_pid

build_all() {
  if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then  # compare builds: run the binaries as they are
    say "using the services and blog-bench already built in $build"
    tool="$build/bench/blog-bench"
    return
  fi
  say "building the services (Release) in $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBLOG_BUILD_TESTS=OFF >"$out/build.log" 2>&1 &&
    cmake --build "$build" -j"$(nproc)" --target posts comments moderation query >>"$out/build.log" 2>&1 ||
    { tail -30 "$out/build.log" >&2; return 1; }
  say "building blog-bench"
  mkdir -p "$build/bench"
  g++ -std=c++20 -O2 -Wall -Wextra -I/usr/include/postgresql -o "$build/bench/blog-bench" \
    "$bench"/tools/*.cpp -lnats -lpq -pthread >>"$out/build.log" 2>&1 ||
    { tail -30 "$out/build.log" >&2; return 1; }
  tool="$build/bench/blog-bench"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_ports() {
  local p
  for p in "$@"; do
    port_free "$p" || { echo "port $p is in use; set BENCH_PORT_BASE to use other ports" >&2; return 1; }
  done
}

# NATS without per-service users (BLOG_NATS_AUTH=0): the bench tools publish, purge and read the
# stream directly, and authentication costs nothing per message once connected.
start_servers() {
  export BLOG_NATS_AUTH=0
  NATS_PORT=$nats_port PG_PORT=$pg_port "$root/scripts/servers" reset "$data" >/dev/null
  NATS_PORT=$nats_port PG_PORT=$pg_port "$root/scripts/servers" start "$data" >"$out/servers.log" 2>&1 ||
    { cat "$out/servers.log" >&2; return 1; }
  # A role and database of the bench's own for the pgbench ceiling, reached like the services'.
  admin_sql <<SQL
SELECT 'CREATE ROLE bench LOGIN PASSWORD ''bench-local''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench')\gexec
SELECT 'CREATE DATABASE bench OWNER bench' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'bench')\gexec
SQL
  admin_sql -c "SELECT name || '=' || current_setting(name) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','wal_sync_method','shared_buffers','max_connections') ORDER BY name" |
    tr '\n' ' ' >"$out/pg-settings"
}

stop_servers() { NATS_PORT=$nats_port PG_PORT=$pg_port "$root/scripts/servers" stop "$data" >/dev/null 2>&1 || true; }

# BENCH_SERVICE_ENV="NAME=value ..." adds settings to every service (experiments).
# shellcheck disable=SC2086
start_services() {
  mkdir -p "$out/logs"
  local s
  for s in "${services[@]}"; do
    env PORT="${svc_port[$s]}" \
      DATABASE_URL="postgresql://$s:$s-local@127.0.0.1:$pg_port/$s" \
      NATS_URL="nats://127.0.0.1:$nats_port" LOG_LEVEL="${BENCH_LOG_LEVEL:-info}" \
      ${BENCH_SERVICE_ENV:-} "$build/$s/$s" >>"$out/logs/$s.log" 2>&1 &
    svc_pid[$s]=$!
  done
  for s in "${services[@]}"; do
    wait_until 30 curl -fs "http://127.0.0.1:${svc_port[$s]}/readyz" ||
      { fail "$s did not become ready (see $out/logs/$s.log)"; return 1; }
  done
  say "services ready: posts ${svc_pid[posts]}, comments ${svc_pid[comments]}, moderation ${svc_pid[moderation]}, query ${svc_pid[query]}"
}

# A second query instance with its read cache off (QUERY_CACHE_MB=0) on port base+4: a replica
# serving the same read model, so that reads through it measure the PostgreSQL path while the
# main instance keeps its cache (and its memory figures) untouched.
nocache_port=$((base + 4))
nocache_pid=""
start_query_nocache() {
  env PORT="$nocache_port" QUERY_CACHE_MB=0 \
    DATABASE_URL="postgresql://query:query-local@127.0.0.1:$pg_port/query" \
    NATS_URL="nats://127.0.0.1:$nats_port" LOG_LEVEL="${BENCH_LOG_LEVEL:-info}" \
    ${BENCH_SERVICE_ENV:-} "$build/query/query" >>"$out/logs/query-nocache.log" 2>&1 &
  nocache_pid=$!
  wait_until 30 curl -fs "http://127.0.0.1:$nocache_port/readyz" ||
    { fail "query with QUERY_CACHE_MB=0 did not become ready (see $out/logs/query-nocache.log)"; return 1; }
}
stop_query_nocache() {
  [ -n "$nocache_pid" ] || return 0
  kill -TERM "$nocache_pid" 2>/dev/null || true
  wait "$nocache_pid" 2>/dev/null || true
  nocache_pid=""
}

# Status 1 (and a failure recorded) when a service process has died.
services_alive() {
  local s ok=0
  for s in "${services[@]}"; do
    if [ -n "${svc_pid[$s]:-}" ] && ! kill -0 "${svc_pid[$s]}" 2>/dev/null; then
      fail "service $s died (see $out/logs/$s.log): $(tail -2 "$out/logs/$s.log" | tr '\n' ' ')"
      svc_pid[$s]=""
      ok=1
    fi
  done
  return $ok
}

stop_services() {
  local s i
  for s in "${services[@]}"; do
    [ -n "${svc_pid[$s]:-}" ] && kill -TERM "${svc_pid[$s]}" 2>/dev/null || true
  done
  for s in "${services[@]}"; do
    [ -n "${svc_pid[$s]:-}" ] || continue
    for ((i = 0; i < 150; i++)); do kill -0 "${svc_pid[$s]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${svc_pid[$s]}" 2>/dev/null || true
    wait "${svc_pid[$s]}" 2>/dev/null || true
    svc_pid[$s]=""
  done
}

nginx_pid=""
start_nginx() {  # body files are in $data/nginx/static
  local dir=$data/nginx
  mkdir -p "$dir/tmp"
  chmod 755 "$data" "$dir" "$dir/static"
  chmod 644 "$dir"/static/*
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$nginx_port#g" "$bench/nginx/nginx.conf.in" >"$dir/nginx.conf"
  nginx -e "$dir/nginx-error.log" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/nginx.out" 2>&1 &
  nginx_pid=$!
  wait_until 10 curl -fs "http://127.0.0.1:$nginx_port/posts" ||
    { fail "nginx did not start: $(cat "$dir/nginx.out" "$dir/nginx-error.log" 2>/dev/null | tail -3)"; return 1; }
}

stop_nginx() {
  [ -n "$nginx_pid" ] || return 0
  kill -TERM "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=""
}

# rss SERVICE: "VmRSS VmHWM" in MB from /proc.
rss() {
  local pid=${svc_pid[$1]:-}
  [ -n "$pid" ] && [ -r "/proc/$pid/status" ] || { echo "- -"; return; }
  awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' "/proc/$pid/status"
}

# Status 0 when no event waits anywhere: every outbox is empty and no consumer has pending work.
pipeline_idle() {
  local s
  for s in posts comments moderation; do
    [ "$(svc_sql "$s" -c 'SELECT count(*) FROM blog_outbox')" = 0 ] || return 1
  done
  "$tool" backlog --nats "nats://127.0.0.1:$nats_port" >"$out/backlog.txt" 2>&1
}

# Waits (bounded) until the pipeline has finished the previous item's work, so that items do
# not measure each other's backlog. Reports how long that took.
settle() {
  local started; started=$(date +%s.%N)
  if wait_until "$drain_limit" pipeline_idle; then
    say "pipeline idle after $(calc "$(date +%s.%N) - $started") s"
  else
    fail "the pipeline still has work after ${drain_limit}s: $(cat "$out/backlog.txt")"
  fi
}

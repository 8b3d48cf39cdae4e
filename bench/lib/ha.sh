# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 8 (bench/run --ha): what high availability costs. The HA topology (scripts/ha: three
# NATS nodes, PostgreSQL under Patroni with a synchronous standby, two replicas of every
# service, nginx) measured like items 1 and 3, beside their single-node figures of the same
# run. Sourced by bench/run.

ha_data=$data/ha
ha_offset=""
ha() {
  BLOG_DATA=$ha_data BLOG_BUILD_DIR=$build BLOG_NATS_AUTH=0 HA_PORT_OFFSET=$ha_offset \
    LOG_LEVEL="${BENCH_LOG_LEVEL:-info}" "$root/scripts/ha" "$@"
}

# The first offset (from BENCH_HA_PORT_OFFSET, default 21000) at which every port is free.
pick_ha_offset() (
  # shellcheck source=../../scripts/ha.d/common.sh
  source "$root/scripts/ha.d/common.sh"
  for offset in $(seq "${BENCH_HA_PORT_OFFSET:-21000}" 100 "$((${BENCH_HA_PORT_OFFSET:-21000} + 1500))"); do
    busy=0
    for p in $(all_ports); do port_free "$p" || { busy=1; break; }; done
    [ "$busy" = 0 ] && { echo "$offset"; return 0; }
  done
  return 1
)

start_ha() {
  ha_offset=$(pick_ha_offset) || { fail "no free ports for the HA topology"; return 1; }
  say "starting the HA topology (port offset $ha_offset, logs in $ha_data/logs)"
  ha start >"$out/ha-start.log" 2>&1 ||
    { fail "the HA topology did not start: $(tail -3 "$out/ha-start.log" | tr '\n' ' ')"; return 1; }
  eval "$(ha env)"
  ha_ingress=$BLOG_INGRESS ha_posts_1=${BLOG_POSTS_URLS%%,*}
}

stop_ha() { if [ -n "$ha_offset" ]; then ha stop >/dev/null 2>&1 || true; fi; }

ha_sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

ha_missing_posts() {  # ids file
  ha_sql "$BLOG_QUERY_DATABASE_URL" <<SQL
CREATE TEMP TABLE ids (id uuid);
\copy ids FROM '$1'
SELECT count(*) FROM ids WHERE NOT EXISTS
  (SELECT 1 FROM posts p WHERE p.id = ids.id AND p.title IS NOT NULL);
SQL
}

ha_all_arrived() { [ "$(ha_missing_posts "$1")" = 0 ]; }

ha_pipeline_idle() {
  [ "$(ha_sql "$BLOG_POSTS_DATABASE_URL" -c 'SELECT count(*) FROM blog_outbox')" = 0 ] &&
    [ "$(ha_sql "$BLOG_COMMENTS_DATABASE_URL" -c 'SELECT count(*) FROM blog_outbox')" = 0 ] &&
    [ "$(ha_sql "$BLOG_MODERATION_DATABASE_URL" -c 'SELECT count(*) FROM blog_outbox')" = 0 ] &&
    "$tool" backlog --nats "$NATS_URL" >"$out/ha-backlog.txt" 2>&1
}

ha_settle() {
  wait_until "$drain_limit" ha_pipeline_idle ||
    fail "HA: the pipeline still has work after ${drain_limit}s: $(cat "$out/ha-backlog.txt")"
}

# ha_create NAME URL LABEL: item 1's load on the HA topology, with its lost check.
ha_create() {
  local name=$1 url=$2 label=$3 rps missing n took started
  BENCH_METHOD=POST BENCH_BODY='{"title":"a benchmark post #"}' BENCH_IDS_OUT="$out/$name.ids" \
    BENCH_HOST=posts.com wrk_run "$name" "$url" "$dur" 32
  rps=$(result "$out/$name.wrk" rps)
  row "9 HA create post, $label" "$(wrk_figure "$out/$name.wrk")" "1 node: $(int "${create_rps:-0}") req/s" \
    "$(pct "$rps" "${create_rps:-0}")" "— (the cost of HA)" "-"
  n=$(wc -l <"$out/$name.ids") started=$(date +%s.%N)
  wait_until "$drain_limit" ha_all_arrived "$out/$name.ids" || true
  missing=$(ha_missing_posts "$out/$name.ids" 2>>"$out/errors.log" || echo "?")
  took=$(calc "$(date +%s.%N) - $started")
  row "9 HA create post, $label: lost" "$missing of $n (in query after $took s)" "-" "-" "0" \
    "$(yes_no [ "$missing" = 0 ])"
  [ "$missing" = 0 ] || fail "HA $label: $missing of $n created posts never reached the query service"
}

# A latency row against the single-node figure of item 3 (ratio: single ÷ HA p50).
ha_latency_row() {  # LABEL RESULT-NAME SINGLE-RESULT-NAME
  local p50 single
  p50=$(latency_value "$out/ha-e2e.txt" "$2" p50_ms)
  single=$(latency_value "$out/e2e-idle.txt" "$3" p50_ms)
  row "$1" "$(latency_figure "$out/ha-e2e.txt" "$2")" "1 node: p50 ${single:-?} ms" \
    "$(pct "${single:-0}" "${p50:-0}")" "— (the cost of HA)" "-"
}

item_ha() {
  say "== 8. the HA topology: create post and end-to-end latency, beside one node"
  start_ha || return 1
  ha_create ha-create "$ha_ingress/posts/create" "via nginx (2 replicas)" && ha_settle &&
    ha_create ha-create-direct "$ha_posts_1/posts/create" "one replica direct" && ha_settle || { stop_ha; return 1; }
  timeout 900 "$tool" e2e --posts-port "${ha_ingress##*:}" --comments-port "${ha_ingress##*:}" \
    --host-header posts.com --query-db "$BLOG_QUERY_DATABASE_URL" --samples "$e2e_samples" \
    --label ha --max-seconds "$e2e_limit" >"$out/ha-e2e.txt" 2>&1 ||
    fail "HA e2e: $(grep -v '^RESULT' "$out/ha-e2e.txt" | tail -1)"
  say "HA e2e via nginx: comment $(latency_figure "$out/ha-e2e.txt" e2e_comment_ha); post $(latency_figure "$out/ha-e2e.txt" e2e_post_ha)"
  ha_latency_row "9 HA e2e comment 201→final, idle, via nginx" e2e_comment_ha e2e_comment_idle
  ha_latency_row "9 HA e2e post 201→query, idle, via nginx" e2e_post_ha e2e_post_idle
  stop_ha
}

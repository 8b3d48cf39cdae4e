# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Items 1 and 2: create post and add comment throughput against the pgbench ceiling, with the
# lost check (every 201 must reach the query service). Sourced by bench/run.

bench_url() { echo "postgresql://bench:bench-local@127.0.0.1:$pg_port/bench"; }

# The ceiling: pgbench inserting one small row per transaction, same server and settings.
measure_pgbench() {
  PGPASSWORD=bench-local psql -X -q -h 127.0.0.1 -p "$pg_port" -U bench -d bench -c \
    "CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now())" >/dev/null
  echo "INSERT INTO bench_rows (payload) VALUES ('a small row, about the size of a post title');" \
    >"$out/pgbench.sql"
  work_pgbench timeout $((dur + 60)) pgbench -n -M prepared -c 32 -j 2 -T "$dur" -f "$out/pgbench.sql" \
    "$(bench_url)" >"$out/pgbench.txt" 2>&1 || fail "pgbench failed: $(tail -2 "$out/pgbench.txt")"
  pgbench_tps=$(awk '/^tps = / { print $3; exit }' "$out/pgbench.txt")
  pgbench_tps=${pgbench_tps:-0}
  say "pgbench ceiling: $(int "$pgbench_tps") tps ($(grep 'latency average' "$out/pgbench.txt"))"
}

missing_posts() {  # ids file -> how many of those posts the query service does not show
  svc_sql query <<SQL
CREATE TEMP TABLE ids (id uuid);
\copy ids FROM '$1'
SELECT count(*) FROM ids WHERE NOT EXISTS
  (SELECT 1 FROM posts p WHERE p.id = ids.id AND p.title IS NOT NULL);
SQL
}

# check_posts_arrived NAME IDS_FILE: waits (bounded) for every created post to reach the query
# service; adds the "lost" row.
check_posts_arrived() {
  local name=$1 ids=$2 started missing n
  n=$(wc -l <"$ids")
  started=$(date +%s.%N)
  for ((i = 0; i < drain_limit * 2; i++)); do
    missing=$(missing_posts "$ids" 2>>"$out/errors.log" || echo "?")
    [ "$missing" = 0 ] && break
    sleep 0.5
  done
  local took; took=$(calc "$(date +%s.%N) - $started")
  say "$name: $n created, $missing not in the query service (checked for ${took}s)"
  row "$name: lost" "$missing of $n (in query after ${took} s)" "-" "-" "0" "$(yes_no [ "$missing" = 0 ])"
  [ "$missing" = 0 ] || fail "$name: $missing of $n created posts never reached the query service"
}

final_comments() { svc_sql query -c "SELECT count(*) FROM comments WHERE status <> 'pending'"; }

# check_comments_final NAME BEFORE EXPECTED: waits (bounded) until EXPECTED more comments than
# BEFORE have their final status in the query service; adds the "lost" row.
check_comments_final() {
  local name=$1 before=$2 expected=$3 now=0 started
  started=$(date +%s.%N)
  for ((i = 0; i < drain_limit * 2; i++)); do
    now=$(final_comments 2>>"$out/errors.log" || echo 0)
    [ $((now - before)) -ge "$expected" ] && break
    sleep 0.5
  done
  local lost=$((expected - (now - before)))
  ((lost < 0)) && lost=0
  local took; took=$(calc "$(date +%s.%N) - $started")
  say "$name: $expected comments accepted, $lost without a final status in query (${took}s)"
  row "$name: lost" "$lost of $expected (final in query after ${took} s)" "-" "-" "0" "$(yes_no [ "$lost" = 0 ])"
  [ "$lost" = 0 ] || fail "$name: $lost of $expected comments never reached their final status in query"
}

create_target="≥50% & ≥${node_create_x5}/s"

# create_row LABEL WRK_FILE: the create-post row, against the pgbench ceiling.
create_row() {
  local rps; rps=$(result "$2" rps)
  row "$1" "$(wrk_figure "$2")" "pgbench $(int "$pgbench_tps") tps" "$(pct "$rps" "$pgbench_tps")" \
    "$create_target" \
    "$(yes_no eval 'ge "$rps" "$(calc "$pgbench_tps*0.5")" && ge "$rps" "$node_create_x5"')"
}

item_create() {
  say "== 1. create post (32 connections, ${dur}s) vs pgbench"
  measure_pgbench
  work_begin create
  BENCH_METHOD=POST BENCH_BODY='{"title":"a benchmark post #"}' BENCH_IDS_OUT="$out/create.ids" \
    wrk_run create "http://127.0.0.1:${svc_port[posts]}/posts/create" "$dur" 32
  work_drained create
  create_rps=$(result "$out/create.wrk" rps)
  create_row "1 create post" "$out/create.wrk"
  work_rows "1 create post" create "$(result "$out/create.wrk" status_201)" create
  services_alive || return 1
  check_posts_arrived "1 create post" "$out/create.ids"
}

item_comments() {
  say "== 2. add comment (32 connections, ${dur}s): one post, then spread over many posts"
  local post before n
  post=$(curl -fs -X POST -H 'content-type: application/json' -d '{"title":"one post, many comments"}' \
    "http://127.0.0.1:${svc_port[posts]}/posts/create" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  before=$(final_comments)
  BENCH_METHOD=POST BENCH_BODY='{"content":"I like apples, comment #"}' \
    BENCH_PATH="/posts/$post/comments" \
    wrk_run comment-one "http://127.0.0.1:${svc_port[comments]}" "$dur" 32
  n=$(result "$out/comment-one.wrk" status_201)
  row "2 add comment, one post" "$(wrk_figure "$out/comment-one.wrk")" "pgbench $(int "$pgbench_tps") tps" \
    "$(pct "$(result "$out/comment-one.wrk" rps)" "$pgbench_tps")" "— (none set)" "-"
  services_alive || return 1
  check_comments_final "2 comment, one post" "$before" "$n"

  shuf -n 1000 "$out/create.ids" | sed 's#.*#/posts/&/comments#' >"$out/comment-paths"
  before=$(final_comments)
  work_begin comment-spread
  BENCH_METHOD=POST BENCH_BODY='{"content":"I like oranges, comment #"}' \
    BENCH_PATHS_FILE="$out/comment-paths" \
    wrk_run comment-spread "http://127.0.0.1:${svc_port[comments]}" "$dur" 32
  work_drained comment-spread
  n=$(result "$out/comment-spread.wrk" status_201)
  work_rows "2 add comment, spread" comment-spread "$n" comment
  local spread_rps; spread_rps=$(result "$out/comment-spread.wrk" rps)
  row "2 add comment, $(wc -l <"$out/comment-paths") posts" "$(wrk_figure "$out/comment-spread.wrk")" \
    "pgbench $(int "$pgbench_tps") tps" "$(pct "$spread_rps" "$pgbench_tps")" \
    "≥30%" "$(yes_no ge "$spread_rps" "$(calc "$pgbench_tps*0.3")")"
  services_alive || return 1
  check_comments_final "2 comment, spread" "$before" "$n"
}

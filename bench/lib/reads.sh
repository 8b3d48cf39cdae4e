# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 4: read throughput of the query service against nginx serving bodies of the same size.
# Sourced by bench/run.

seeded_comments_final() {
  local list; list=$(sed "s/.*/'&'/" "$out/read.ids" | paste -sd,)
  [ "$(svc_sql query -c "SELECT count(*) FROM comments
        WHERE status <> 'pending' AND post_id IN ($list)")" = 300 ]
}

# The read set of items 4 and 8, once per run: 100 posts x 3 comments in their final status,
# the paths of its posts ($out/read-paths) and nginx's bodies of the same size.
read_set_ready() { [ -s "$out/read-paths" ]; }
seed_read_set() {
  read_set_ready && return 0
  "$tool" seed --posts-port "${svc_port[posts]}" --comments-port "${svc_port[comments]}" \
    --posts 100 --comments 3 --out "$out/read.ids" >"$out/seed.txt" 2>&1 ||
    fail "seeding 100 posts x 3 comments: $(tail -1 "$out/seed.txt")"
  wait_until "$drain_limit" seeded_comments_final ||
    fail "the 300 seeded comments did not all reach their final status in query"

  local q="http://127.0.0.1:${svc_port[query]}"
  mkdir -p "$data/nginx/static"
  curl -fs "$q/posts?limit=100" >"$data/nginx/static/list.json"
  curl -fs "$q/posts/$(head -1 "$out/read.ids")" >"$data/nginx/static/post.json"
  curl -fs "$q/healthz" >"$data/nginx/static/healthz.json"
  local in_list; in_list=$(grep -o -F -f "$out/read.ids" "$data/nginx/static/list.json" | sort -u | wc -l)
  [ "$in_list" = 100 ] || fail "GET /posts?limit=100 shows $in_list of the 100 seeded posts"
  say "bodies: /posts?limit=100 $(wc -c <"$data/nginx/static/list.json") bytes, /posts/{id} $(wc -c <"$data/nginx/static/post.json") bytes"
  sed 's#^#/posts/#' "$out/read.ids" >"$out/read-paths"
}

# yes when a wrk result's p99 is at most 10 times its p50 (the cache-off tail target).
tail_met() { yes_no ge "$(calc "$(result "$1" p50_ms)*10" 3)" "$(result "$1" p99_ms)"; }

item_reads() {
  say "== 4. reads (32 connections, ${dur}s) vs nginx"
  seed_read_set
  local q="http://127.0.0.1:${svc_port[query]}" n="http://127.0.0.1:$nginx_port"
  BENCH_PATHS_FILE="$out/read-paths" wrk_run read-one "$q" "$dur" 32
  BENCH_PATH="/posts?limit=100" wrk_run read-list "$q" "$dur" 32
  BENCH_PATH="/healthz" wrk_run read-health "$q" "$dur" 32
  start_query_nocache || return 1
  local u="http://127.0.0.1:$nocache_port"
  BENCH_PATHS_FILE="$out/read-paths" wrk_run read-one-nocache "$u" "$dur" 32
  BENCH_PATH="/posts?limit=100" wrk_run read-list-nocache "$u" "$dur" 32
  stop_query_nocache
  services_alive || return 1
  start_nginx || return 1
  BENCH_PATHS_FILE="$out/read-paths" wrk_run nginx-one "$n" "$dur" 32
  BENCH_PATH="/posts?limit=100" wrk_run nginx-list "$n" "$dur" 32
  BENCH_PATH="/healthz" wrk_run nginx-health "$n" "$dur" 32
  stop_nginx
  local what rps ceiling
  for what in one list; do
    rps=$(result "$out/read-$what.wrk" rps)
    ceiling=$(result "$out/nginx-$what.wrk" rps)
    row "4 GET $([ $what = one ] && echo "/posts/{id} (3 comments)" || echo "/posts?limit=100 (100×3)")" \
      "$(wrk_figure "$out/read-$what.wrk")" "nginx $(int "$ceiling") req/s" "$(pct "$rps" "$ceiling")" \
      "≥30%$([ $what = list ] && echo " (node ~3000/s)")" "$(yes_no ge "$rps" "$(calc "$ceiling*0.3")")"
  done
  for what in one list; do
    rps=$(result "$out/read-$what-nocache.wrk" rps)
    ceiling=$(result "$out/nginx-$what.wrk" rps)
    row "4 GET $([ $what = one ] && echo "/posts/{id}" || echo "/posts?limit=100"), cache off (PostgreSQL path)" \
      "$(wrk_figure "$out/read-$what-nocache.wrk")" "nginx $(int "$ceiling") req/s" "$(pct "$rps" "$ceiling")" \
      "p99 ≤ 10× p50" "$(tail_met "$out/read-$what-nocache.wrk")"
  done
  rps=$(result "$out/read-health.wrk" rps)
  ceiling=$(result "$out/nginx-health.wrk" rps)
  row "4 GET /healthz (HTTP layer alone, no DB)" "$(wrk_figure "$out/read-health.wrk")" \
    "nginx $(int "$ceiling") req/s" "$(pct "$rps" "$ceiling")" "— (diagnostic)" "-"
  local f
  for f in read-one read-list read-one-nocache read-list-nocache; do
    [ "$(result "$out/$f.wrk" not_ok)" = 0 ] || fail "reads answered non-2xx statuses (see $out/$f.wrk)"
  done
}

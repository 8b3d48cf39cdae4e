# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 8: reads while people write. wrk reads at 32 connections, GET /posts/{id} (the read set's
# posts with Zipf-like popularity) and GET /posts?limit=100, while `blog-bench write` posts at a
# paced rate (one post per three comments, each comment on a post of the writer's, so every
# write changes the first list page): 0, 50, 200 and 1,000 writes/s. Through query as
# configured (read cache on) and, as a diagnostic of the PostgreSQL path, the replica without a
# cache. Each figure sits beside the same read with no writes and nginx's ceiling of item 4.
# Sourced by bench/run.

mixed_rates=(0 50 200 1000)
mixed_zipf=1.0  # weight of the n-th most popular post: 1/n

writer_pid=""
start_writer() {  # RATE NAME
  "$tool" write --posts-port "${svc_port[posts]}" --comments-port "${svc_port[comments]}" \
    --rate "$1" --ids-out "$out/$2.ids" >"$out/$2.txt" 2>&1 &
  writer_pid=$!
}
stop_writer() {  # [NAME]: stops it and records a failure when a write failed
  [ -n "$writer_pid" ] || return 0
  kill -TERM "$writer_pid" 2>/dev/null || true
  wait "$writer_pid" || { [ -z "${1:-}" ] || fail "$1: writes failed: $(tail -1 "$out/$1.txt")"; }
  writer_pid=""
}

# Rows committed by the write side: posts in posts, comments in comments.
writes_so_far() {
  echo $(($(svc_sql posts -c 'SELECT count(*) FROM posts') + $(svc_sql comments -c 'SELECT count(*) FROM comments')))
}

# mixed_read NAME URL ROUTE: one wrk run, and the write rate reached meanwhile in $out/NAME.rate.
mixed_read() {
  local name=$1 url=$2 route=$3 before after started
  before=$(writes_so_far) started=$(date +%s.%N)
  if [ "$route" = one ]; then
    BENCH_PATHS_FILE="$out/read-paths" BENCH_ZIPF=$mixed_zipf wrk_run "$name" "$url" "$dur" 32
  else
    BENCH_PATH="/posts?limit=100" wrk_run "$name" "$url" "$dur" 32
  fi
  after=$(writes_so_far)
  calc "($after - $before) / ($(date +%s.%N) - $started)" 0 >"$out/$name.rate"
}

# The target of a route at a writer rate, and whether FILE meets it against BASE (no writes).
mixed_target() {  # RATE
  case $1 in
    200) echo "≥70% & p99 ≤2× no-writes" ;;
    1000) echo "≥40%" ;;
    *) echo "— (none set)" ;;
  esac
}
mixed_met() {  # RATE FILE BASE
  local rps p99 base_rps base_p99
  rps=$(result "$2" rps) p99=$(result "$2" p99_ms)
  base_rps=$(result "$3" rps) base_p99=$(result "$3" p99_ms)
  case $1 in
    200) yes_no eval 'ge "$rps" "$(calc "$base_rps*0.7")" && ge "$(calc "$base_p99*2" 3)" "$p99"' ;;
    1000) yes_no ge "$rps" "$(calc "$base_rps*0.4")" ;;
    *) echo "-" ;;
  esac
}

mixed_rows() {  # ROUTE SUFFIX ("" cache on, "-nocache")
  local route=$1 suffix=$2 rate label what base nginx
  what=$([ "$route" = one ] && echo "GET /posts/{id} (Zipf)" || echo "GET /posts?limit=100")
  [ -n "$suffix" ] && what="$what, cache off"
  base=$out/mixed-0-$route$suffix.wrk
  nginx=$(result "$out/nginx-$route.wrk" rps)
  row "8 mixed $what, no writes" "$(wrk_figure "$base")" "nginx $(int "$nginx") req/s" \
    "$(pct "$(result "$base" rps)" "$nginx")" \
    "$([ -n "$suffix" ] && echo "p99 ≤ 10× p50" || echo "— (the baseline)")" \
    "$([ -n "$suffix" ] && tail_met "$base" || echo "-")"
  for rate in "${mixed_rates[@]:1}"; do
    local f=$out/mixed-$rate-$route$suffix.wrk
    label="8 mixed $what, writes $rate/s (reached $(cat "$out/mixed-$rate-$route$suffix.rate")/s)"
    if [ -n "$suffix" ]; then
      row "$label" "$(wrk_figure "$f")" "no writes: $(int "$(result "$base" rps)") req/s" \
        "$(pct "$(result "$f" rps)" "$(result "$base" rps)")" "— (diagnostic)" "-"
    else
      row "$label" "$(wrk_figure "$f")" \
        "no writes: $(int "$(result "$base" rps)") req/s, p99 $(result "$base" p99_ms) ms" \
        "$(pct "$(result "$f" rps)" "$(result "$base" rps)")" "$(mixed_target "$rate")" \
        "$(mixed_met "$rate" "$f" "$base")"
    fi
  done
}

item_mixed() {
  say "== 8. mixed: reads (32 connections, ${dur}s each) while writing ${mixed_rates[*]} writes/s"
  seed_read_set
  if [ ! -s "$out/nginx-list.wrk" ]; then  # item 4 measured it otherwise
    start_nginx || return 1
    BENCH_PATHS_FILE="$out/read-paths" wrk_run nginx-one "http://127.0.0.1:$nginx_port" "$dur" 32
    BENCH_PATH="/posts?limit=100" wrk_run nginx-list "http://127.0.0.1:$nginx_port" "$dur" 32
    stop_nginx
  fi
  start_query_nocache || return 1
  local q="http://127.0.0.1:${svc_port[query]}" u="http://127.0.0.1:$nocache_port"
  local rate comments_before; comments_before=$(final_comments)
  : >"$out/mixed-writes.ids"
  for rate in "${mixed_rates[@]}"; do
    local tag=mixed-$rate
    if ((rate > 0)); then
      start_writer "$rate" "$tag-writer"
      sleep 1  # past the writer's first posts
    fi
    mixed_read "$tag-one" "$q" one
    mixed_read "$tag-list" "$q" list
    mixed_read "$tag-one-nocache" "$u" one
    mixed_read "$tag-list-nocache" "$u" list
    if ((rate > 0)); then
      stop_writer "$tag-writer"
      say "writer at $rate/s: $(grep '^RESULT write' "$out/$tag-writer.txt")"
      cat "$out/$tag-writer.ids" >>"$out/mixed-writes.ids"
    fi
    services_alive || { stop_query_nocache; return 1; }
    settle
  done
  stop_query_nocache
  local route f
  for route in one list; do
    mixed_rows "$route" ""
    mixed_rows "$route" -nocache
  done
  for f in "$out"/mixed-*.wrk; do
    [ "$(result "$f" not_ok)" = 0 ] || fail "mixed reads answered non-2xx statuses (see $f)"
  done
  check_posts_arrived "8 mixed, posts written" "$out/mixed-writes.ids"
  local comments
  comments=$(grep -ho '^RESULT write .*comments=[0-9]*' "$out"/mixed-*-writer.txt | grep -o 'comments=[0-9]*' |
    cut -d= -f2 | awk '{ n += $1 } END { print n + 0 }')
  check_comments_final "8 mixed, comments written" "$comments_before" "${comments:-0}"
}

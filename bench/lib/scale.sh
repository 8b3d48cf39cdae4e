# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 6: read latency with growing read models (rows bulk-inserted straight into the query
# database, read with the cache off), and create-post throughput with a large posts table.
# Sourced by bench/run.

scale_uuid() { echo "('00000000-0000-4000-8000-' || lpad(to_hex($1), 12, '0'))::uuid"; }

# Adds posts number FROM..TO to the query read model, older than every real post.
scale_fill_query() {
  svc_sql query -c "INSERT INTO posts (id, title, version, created_seq)
    SELECT $(scale_uuid i), 'a post of the scale test, number ' || i, 0, -i
    FROM generate_series($1, $2) AS i ON CONFLICT DO NOTHING" -c "ANALYZE posts" >/dev/null
}

item_scale() {
  say "== 6. scale: read latency at ${scale_steps[*]} posts; create with a big posts table"
  # Through the query instance without a read cache: the random reads would otherwise measure
  # the cache, not how the read model's queries scale.
  start_query_nocache || return 1
  local q="http://127.0.0.1:$nocache_port" have=0 step first_one="" first_list=""
  for step in "${scale_steps[@]}"; do
    local started; started=$(date +%s)
    scale_fill_query $((have + 1)) "$step" || { fail "bulk insert into query failed"; return 1; }
    have=$step
    say "query read model: $(svc_sql query -c 'SELECT count(*) FROM posts') posts (filled in $(($(date +%s) - started)) s)"
    shuf -i "1-$step" -n 10000 -r | awk '{ printf "/posts/00000000-0000-4000-8000-%012x\n", $1 }' \
      >"$out/scale-paths"
    BENCH_PATHS_FILE="$out/scale-paths" wrk_run "scale-one-$step" "$q" "$scale_dur" 8
    BENCH_PATH="/posts?limit=100" wrk_run "scale-list-$step" "$q" "$scale_dur" 8
    [ "$(result "$out/scale-one-$step.wrk" status_200)" -gt 0 ] ||
      fail "scale: GET /posts/{id} found none of the bulk-inserted posts"
    services_alive || return 1
    local what
    for what in one list; do
      local f="$out/scale-$what-$step.wrk" p50 base
      p50=$(result "$f" p50_ms)
      if [ "$what" = one ]; then base=${first_one:=$p50}; else base=${first_list:=$p50}; fi
      row "6 GET $([ $what = one ] && echo "/posts/{id}" || echo "/posts?limit=100") at $(human "$step") posts (8 conn)" \
        "p50 $p50 / p99 $(result "$f" p99_ms) ms, $(int "$(result "$f" rps)") req/s" \
        "p50 at $(human "${scale_steps[0]}"): $base ms" "$(pct "$base" "$p50")" "flat (≥67%)" \
        "$(yes_no ge "$(calc "$base*1.5" 3)" "$p50")"
    done
  done
  stop_query_nocache

  local rows=${scale_steps[-1]}
  local started; started=$(date +%s)
  svc_sql posts -c "INSERT INTO posts (id, title, created_at)
      SELECT $(scale_uuid i), 'a post of the scale test, number ' || i, now()
      FROM generate_series(1, $rows) AS i ON CONFLICT DO NOTHING" -c "ANALYZE posts" >/dev/null ||
    { fail "bulk insert into posts failed"; return 1; }
  say "posts table: $(svc_sql posts -c 'SELECT count(*) FROM posts') rows (filled in $(($(date +%s) - started)) s)"
  BENCH_METHOD=POST BENCH_BODY='{"title":"a post on a big table #"}' BENCH_IDS_OUT="$out/create-big.ids" \
    wrk_run create-big "http://127.0.0.1:${svc_port[posts]}/posts/create" "$dur" 32
  create_row "6 create post, $(human "$rows")-row posts table" "$out/create-big.wrk"
  services_alive || return 1
  check_posts_arrived "6 create post, $(human "$rows")-row table" "$out/create-big.ids"
}

human() {
  local n=$1
  if ((n >= 1000000)); then echo "$((n / 1000000))M"; elif ((n >= 1000)); then echo "$((n / 1000))k"; else echo "$n"; fi
}

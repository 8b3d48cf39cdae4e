# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 2, hot post: comments added to one post that already has hot_comments comments, first
# as the course's client asks (201 with the post's whole list, which grows during the load),
# then with `Prefer: return=minimal` (201 with the new comment alone). Runs after item_comments, whose spread-over-1,000-posts
# rate is the first one's ceiling. Sourced by bench/run.

hot_comments=${hot_comments:-$([ "${quick:-0}" = 1 ] && echo 500 || echo 5000)}

# Seeds POST_ID with N comments through the public API, 8 at a time, in one curl process;
# requests that failed on the connection (a kept-alive one closed under it) are sent again.
seed_hot_post() {
  local post=$1 n=$2 url="http://127.0.0.1:${svc_port[comments]}/posts/$1/comments" i created=0 try
  for try in 1 2 3; do
    for ((i = created + 1; i <= n; i++)); do
      ((i > created + 1)) && echo next
      printf 'url = "%s"\nrequest = "POST"\nheader = "Content-Type: application/json"\nheader = "Prefer: return=minimal"\ndata = "{\\"content\\":\\"a comment on a busy post, number %d\\"}"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$url" "$i"
    done >"$out/hot-seed.curl"
    curl -s --parallel --parallel-max 8 -K "$out/hot-seed.curl" >"$out/hot-seed.codes" 2>>"$out/errors.log" || true
    created=$((created + $(grep -c '^201$' "$out/hot-seed.codes" || true)))
    ((created >= n)) && break
  done
  say "hot post: $created of $n seed comments created"
  [ "$created" -ge "$n" ] || fail "hot post: only $created of $n seed comments were created"
}

item_hot() {
  say "== 2. hot post: comments on a post with $hot_comments comments (32 connections, ${dur}s)"
  local post before n rps spread
  post=$(curl -fs -X POST -H 'content-type: application/json' -d '{"title":"a busy post"}' \
    "http://127.0.0.1:${svc_port[posts]}/posts/create" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  sleep 0.5  # the comments service learns the post from its event
  seed_hot_post "$post" "$hot_comments"
  wait_until "$drain_limit" pipeline_idle || say "hot post: the seeding still has work queued"
  spread=$(result "$out/comment-spread.wrk" rps)

  before=$(final_comments)
  work_begin comment-hot-list
  BENCH_METHOD=POST BENCH_BODY='{"content":"I like apples, comment #"}' \
    BENCH_PATH="/posts/$post/comments" \
    wrk_run comment-hot-list "http://127.0.0.1:${svc_port[comments]}" "$dur" 32
  work_drained comment-hot-list
  n=$(result "$out/comment-hot-list.wrk" status_201)
  rps=$(result "$out/comment-hot-list.wrk" rps)
  row "2 add comment, hot post ($(human "$hot_comments")+ comments), the whole list (course answer)" \
    "$(wrk_figure "$out/comment-hot-list.wrk")" "1000 req/s" "$(pct "$rps" 1000)" "≥1000/s" \
    "$(yes_no ge "$rps" 1000)"
  work_rows "2 add comment, hot post, whole list" comment-hot-list "$n" comment
  services_alive || return 1
  check_comments_final "2 comment, hot post, whole list" "$before" "$n"
  settle
  before=$(final_comments)
  work_begin comment-hot
  BENCH_METHOD=POST BENCH_BODY='{"content":"I like apples, comment #"}' BENCH_PREFER="return=minimal" \
    BENCH_PATH="/posts/$post/comments" \
    wrk_run comment-hot-minimal "http://127.0.0.1:${svc_port[comments]}" "$dur" 32
  work_drained comment-hot
  n=$(result "$out/comment-hot-minimal.wrk" status_201)
  rps=$(result "$out/comment-hot-minimal.wrk" rps)
  row "2 add comment, hot post ($(human "$hot_comments")+ comments), Prefer: return=minimal" \
    "$(wrk_figure "$out/comment-hot-minimal.wrk"), Preference-Applied on $(result "$out/comment-hot-minimal.wrk" preference_applied)" \
    "spread over 1000 posts: $(int "$spread") req/s" "$(pct "$rps" "$spread")" "≥50%" \
    "$(yes_no ge "$rps" "$(calc "$spread*0.5")")"
  work_rows "2 add comment, hot post, minimal" comment-hot "$n" comment
  services_alive || return 1
  check_comments_final "2 comment, hot post, minimal" "$before" "$n"
  [ "$(result "$out/comment-hot-minimal.wrk" preference_applied)" = "$n" ] ||
    fail "hot post: $(result "$out/comment-hot-minimal.wrk" preference_applied) of $n answers to Prefer: return=minimal carried Preference-Applied"
}

# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 3: end-to-end latency (201 → committed in the query read model), at idle and under a
# background load of half the measured create rate, against the floor of the hops involved.
# Sourced by bench/run.

query_url() { echo "postgresql://query:query-local@127.0.0.1:$pg_port/query"; }

# latency_figure FILE NAME: "p50 a / p90 b / p99 c ms (n=N)"
latency_figure() {
  local line timeouts; line=$(grep "^RESULT $2 " "$1")
  timeouts=$(echo "$line" | grep -o 'timeouts=[^ ]*' | cut -d= -f2)
  [ "${timeouts:-0}" = 0 ] || printf '%s' "$timeouts TIMED OUT (>5 s); "
  echo "p50 $(echo "$line" | grep -o 'p50_ms=[^ ]*' | cut -d= -f2) / p90 $(echo "$line" | grep -o 'p90_ms=[^ ]*' | cut -d= -f2) / p99 $(echo "$line" | grep -o 'p99_ms=[^ ]*' | cut -d= -f2) ms (n=$(echo "$line" | grep -o ' n=[^ ]*' | cut -d= -f2))"
}
latency_value() { grep "^RESULT $2 " "$1" | grep -o "$3=[^ ]*" | cut -d= -f2; }

e2e_rows() {  # FILE LABEL WHEN
  local f=$1 label=$2 when=$3 p50 p99
  p50=$(latency_value "$f" "e2e_comment_$label" p50_ms)
  p99=$(latency_value "$f" "e2e_comment_$label" p99_ms)
  local target="p50≤4 & p99≤10 ms" met
  met=$(yes_no eval 'ge 4 "$p50" && ge 10 "$p99"')
  if [ "$label" != idle ]; then target="p99≤20 ms"; met=$(yes_no ge 20 "$p99"); fi
  row "3 e2e comment 201→final, $when" "$(latency_figure "$f" "e2e_comment_$label")" \
    "3 hops: p50 $(calc "3*$hop_p50" 2) ms" "$(pct "$(calc "3*$hop_p50" 3)" "$p50")" "$target" "$met"
  p50=$(latency_value "$f" "e2e_post_$label" p50_ms)
  p99=$(latency_value "$f" "e2e_post_$label" p99_ms)
  target="— (node p50 5 ms)" met="-"
  if [ "$label" != idle ]; then target="p99≤15 ms"; met=$(yes_no ge 15 "$p99"); fi
  row "3 e2e post 201→query, $when" "$(latency_figure "$f" "e2e_post_$label")" \
    "1 hop: p50 $(calc "$hop_p50" 2) ms" "$(pct "$hop_p50" "$p50")" "$target" "$met"
}

# Splits the idle comment latency hop by hop, from the stream's own store timestamps.
breakdown_row() {
  "$tool" breakdown --nats "nats://127.0.0.1:$nats_port" --samples "$out/e2e-idle.samples" \
    >"$out/breakdown.txt" 2>&1 || { fail "breakdown: $(tail -1 "$out/breakdown.txt")"; return; }
  local f=$out/breakdown.txt s
  s() { latency_value "$f" "stage_comment_$1" p50_ms; }
  row "3 e2e comment idle, p50 by hop" \
    "relay $(s 1_relay_201_to_created) + moderation $(s 2_moderation_created_to_moderated) + comments $(s 3_comments_moderated_to_updated) + query $(s 4_query_updated_to_final) ms" \
    "1 hop: p50 $(calc "$hop_p50" 2) ms" "-" "-" "-"
}

item_latency() {
  say "== 3. end-to-end latency ($e2e_samples samples each)"
  "$tool" hop --nats "nats://127.0.0.1:$nats_port" --pg "$(bench_url)" --samples "$e2e_samples" \
    >"$out/hop.txt" 2>&1 || fail "hop floor: $(tail -1 "$out/hop.txt")"
  hop_p50=$(latency_value "$out/hop.txt" hop p50_ms); hop_p50=${hop_p50:-0}
  say "hop floor (publish+ack, fetch, ack, one commit): $(latency_figure "$out/hop.txt" hop)"

  work_begin e2e-idle
  timeout 900 "$tool" e2e --posts-port "${svc_port[posts]}" --comments-port "${svc_port[comments]}" \
    --query-db "$(query_url)" --samples "$e2e_samples" --label idle --max-seconds "$e2e_limit" \
    --samples-out "$out/e2e-idle.samples" >"$out/e2e-idle.txt" 2>&1 ||
    fail "e2e at idle: $(grep -v '^RESULT' "$out/e2e-idle.txt" | tail -1; grep -h 'timeouts=[1-9]\|failed=[1-9]' "$out/e2e-idle.txt")"
  work_drained e2e-idle
  work_rows "3 e2e idle" e2e-idle "$(latency_value "$out/e2e-idle.txt" e2e_comment_idle n)" \
    "post + comment, one at a time"
  say "e2e idle: comment $(latency_figure "$out/e2e-idle.txt" e2e_comment_idle); post $(latency_figure "$out/e2e-idle.txt" e2e_post_idle)"
  e2e_rows "$out/e2e-idle.txt" idle idle
  breakdown_row
  services_alive || return 1

  local rate; rate=$(calc "${create_rps:-0}/2" 0)
  ((rate < 1)) && rate=1
  timeout 900 "$tool" e2e --posts-port "${svc_port[posts]}" --comments-port "${svc_port[comments]}" \
    --query-db "$(query_url)" --samples "$e2e_samples" --label load --bg-rate "$rate" --max-seconds "$e2e_limit" \
    >"$out/e2e-load.txt" 2>&1 ||
    fail "e2e under load: $(grep -v '^RESULT' "$out/e2e-load.txt" | tail -1; grep -h 'timeouts=[1-9]\|failed=[1-9]' "$out/e2e-load.txt")"
  local achieved; achieved=$(latency_value "$out/e2e-load.txt" background rate)
  say "e2e under ${achieved:-?}/s background creates (asked $rate/s): comment $(latency_figure "$out/e2e-load.txt" e2e_comment_load); post $(latency_figure "$out/e2e-load.txt" e2e_post_load)"
  e2e_rows "$out/e2e-load.txt" load "load $(int "${achieved:-0}")/s creates"
  services_alive
}

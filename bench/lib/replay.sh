# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016,SC2015  # globals come from bench/run; eval strings
# Item 5: rebuilding the query read model from N stored events (`query rebuild`) against the
# raw consume rate of the same stream with a plain pull consumer. Runs with the services
# stopped: the generated events would otherwise flow through every listener. Sourced.

item_replay() {
  say "== 5. replay $replay_events events"
  local nats="nats://127.0.0.1:$nats_port"
  "$tool" purge --nats "$nats" >"$out/purge.txt" 2>&1 || { fail "purge: $(cat "$out/purge.txt")"; return 1; }
  "$tool" publish --nats "$nats" --events "$replay_events" >"$out/publish.txt" 2>&1 ||
    { fail "publishing events: $(tail -2 "$out/publish.txt")"; return 1; }
  say "published: $(grep RESULT "$out/publish.txt")"
  # The raw ceiling first (it also warms the page cache for the rebuild).
  "$tool" consume --nats "$nats" >"$out/consume.txt" 2>&1 ||
    fail "raw consume read $(result "$out/consume.txt" events) of $(result "$out/consume.txt" stream_messages)"
  local raw; raw=$(result "$out/consume.txt" rate)
  say "raw consume: $(grep RESULT "$out/consume.txt")"

  timeout "$replay_limit" env DATABASE_URL="postgresql://query:query-local@127.0.0.1:$pg_port/query" \
    NATS_URL="$nats" "$build/query/query" rebuild >"$out/rebuild.txt" 2>&1 ||
    fail "query rebuild failed or exceeded ${replay_limit}s: $(tail -1 "$out/rebuild.txt")"
  local last rate applied
  last=$(grep 'rebuild: ' "$out/rebuild.txt" | tail -1)
  rate=$(echo "$last" | sed -n 's/.*, \([0-9]*\) events\/s.*/\1/p')
  applied=$(echo "$last" | sed -n 's/.*(\([0-9]*\) applied.*/\1/p')
  say "rebuild: $last"
  [ "${applied:-0}" = "$replay_events" ] ||
    fail "rebuild applied ${applied:-0} of $replay_events events"
  local posts; posts=$(svc_sql query -c "SELECT count(*) FROM posts WHERE title IS NOT NULL")
  [ "$posts" = "$(result "$out/publish.txt" posts)" ] ||
    fail "after the rebuild the read model has $posts posts, expected $(result "$out/publish.txt" posts)"
  row "5 replay $(human "$replay_events") events (query rebuild)" \
    "$(int "${rate:-0}") events/s (${applied:-0} applied)" "raw pull $(int "$raw") events/s" \
    "$(pct "${rate:-0}" "$raw")" "≥50%" "$(yes_no ge "${rate:-0}" "$(calc "$raw*0.5")")"
}

# Item 7: resident memory of each service, idle (after start) and after the load.
memory_idle() {
  local s
  for s in "${services[@]}"; do mem_idle[$s]=$(rss "$s" | cut -d' ' -f1); done
  say "memory idle (MB): $(for s in "${services[@]}"; do printf '%s %s  ' "$s" "${mem_idle[$s]}"; done)"
}

memory_rows() {
  local s now peak
  for s in "${services[@]}"; do
    read -r now peak < <(rss "$s")
    row "7 memory $s" "idle ${mem_idle[$s]} MB, after load $now MB (peak $peak)" "node 58 / 100–150 MB" \
      "-" "≤20 idle & ≤64 MB" "$(yes_no eval 'ge 20 "${mem_idle[$s]}" && ge 64 "$now"')"
  done
}
declare -A mem_idle

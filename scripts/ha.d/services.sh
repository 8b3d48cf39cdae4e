# shellcheck shell=bash
# shellcheck disable=SC2154  # $build_dir and $data come from scripts/ha
# Two replicas of every service (sharing their durable consumers) and the web page. Sourced by
# scripts/ha.

service_env() {  # SERVICE REPLICA -> env assignments
  local s=$1 r=$2 var password
  var="NATS_PASSWORD_${s^^}"
  # shellcheck disable=SC1091
  password=$(source "$data/nats-credentials.env" 2>/dev/null && echo "${!var:-}")
  echo "PORT=$(service_port "$s" "$r") NATS_USER=$s NATS_PASSWORD=$password" \
    "NATS_URL=$(nats_urls) STREAM_REPLICAS=3 DATABASE_URL=$(database_url "$s")" \
    "CORS_ORIGINS=http://localhost:$(page_port) ${HA_SERVICE_ENV:-}"
}

service_ready() { curl -fs --max-time 2 "http://127.0.0.1:$(service_port "$1" "$2")/readyz"; }

start_service() {  # SERVICE REPLICA
  local s=$1 r=$2
  # shellcheck disable=SC2046
  spawn "$s-$r" env $(service_env "$s" "$r") "$build_dir/$s/$s"
}

start_services() {
  local s r
  # Replica 1 first: a brand-new database makes the first replica reset its consumers, which
  # must not happen under a second replica that has already bound them.
  for r in "${replicas[@]}"; do
    for s in "${services[@]}"; do start_service "$s" "$r"; done
    for s in "${services[@]}"; do wait_for "$s-$r" 60 service_ready "$s" "$r" || return 1; done
  done
}

stop_services() {
  local s r pids=()
  for s in "${services[@]}"; do
    for r in "${replicas[@]}"; do stop_process "$s-$r" 15 & pids+=($!); done
  done
  wait "${pids[@]}" || true
}

# The page, when client/ can be built (node): served with empty API bases, so that it calls
# its own origin, the ingress, as behind the Kubernetes ingress.
start_page() {
  [ -x "$root/client/build" ] && [ -x "$root/client/serve" ] || return 0
  if ! "$root/client/build" >"$data/logs/client-build.log" 2>&1; then
    echo "web page not built (see $data/logs/client-build.log); the API runs anyway"
    return 0
  fi
  spawn page env POSTS_URL= COMMENTS_URL= QUERY_URL= PORT="$(page_port)" HOST=127.0.0.1 \
    "$root/client/serve"
}

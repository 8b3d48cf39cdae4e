# shellcheck shell=bash
# shellcheck disable=SC2154  # $root and $data come from scripts/ha
# The three-node NATS JetStream cluster: own client, route and monitoring ports and store
# folder per node, the services' users (scripts/nats-auth) and a route user. Sourced by
# scripts/ha.

nats_routes() {
  local n r=()
  for n in "${nodes[@]}"; do r+=("nats-route://route:$route_password@127.0.0.1:$(nats_route_port "$n")"); done
  joined , "${r[@]}"
}

write_nats_conf() {  # N
  local n=$1
  cat <<CONF
# Node $n of the local JetStream cluster (scripts/ha; see k8s/nats/nats.conf for the same on
# Kubernetes).
server_name: nats-$n
listen: 127.0.0.1:$(nats_port "$n")
http: 127.0.0.1:$(nats_http_port "$n")
# Lame-duck mode (SIGUSR2, or nats-server --signal ldm=PID): clients move to the other nodes
# over this period (30 s, the minimum nats-server accepts) before the node stops.
lame_duck_duration: 30s
lame_duck_grace_period: 2s
jetstream { store_dir: "$data/nats-$n" }
cluster {
  name: blog
  listen: 127.0.0.1:$(nats_route_port "$n")
  authorization { user: route, password: "$route_password", timeout: 2 }
  routes: [ $(nats_routes) ]
  connect_retries: 120
}
CONF
  # BLOG_NATS_AUTH=0 (the benchmark) runs without the services' users, as scripts/servers does.
  if [ "${BLOG_NATS_AUTH:-1}" = 1 ]; then "$root/scripts/nats-auth" "$data/nats-credentials.env"; fi
}

start_nats() {  # N
  local n=$1
  mkdir -p "$data/nats-$n"
  write_nats_conf "$n" >"$data/nats-$n.conf"
  spawn "nats-$n" nats-server -c "$data/nats-$n.conf"
}

# jsz NODE [QUERY]: the node's JetStream monitoring answer (JSON).
jsz() { curl -fs --max-time 2 "http://127.0.0.1:$(nats_http_port "$1")/jsz${2:+?$2}"; }

# The node knows the JetStream meta leader: the cluster can create and place streams.
nats_meta_ready() { jsz "$1" | jq -e '.meta_cluster.leader // empty' >/dev/null; }

start_nats_cluster() {
  local n
  for n in "${nodes[@]}"; do start_nats "$n"; done
  for n in "${nodes[@]}"; do wait_for "nats-$n (JetStream meta leader)" 60 nats_meta_ready "$n" || return 1; done
}

# Lame-duck mode: the node stops accepting clients, moves its clients away over
# lame_duck_duration, hands over its stream and consumer leaderships, then exits.
lame_duck_nats() {  # N
  local pid; pid=$(pid_of "nats-$1")
  [ -n "$pid" ] || return 0
  nats-server --signal "ldm=$pid" >/dev/null
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  stop_process "nats-$1" 5
}

# shellcheck shell=bash
# shellcheck disable=SC2154  # $data comes from scripts/ha
# The three-member etcd cluster that Patroni keeps its leader lock and configuration in.
# Sourced by scripts/ha.

etcd_initial_cluster() {
  local n m=()
  for n in "${nodes[@]}"; do m+=("etcd-$n=http://127.0.0.1:$(etcd_peer_port "$n")"); done
  joined , "${m[@]}"
}

start_etcd() {  # N
  local n=$1 state=new client peer
  client=http://127.0.0.1:$(etcd_client_port "$n") peer=http://127.0.0.1:$(etcd_peer_port "$n")
  # A member that has data rejoins the cluster it belongs to; the flags below then do nothing.
  [ -d "$data/etcd-$n/member" ] && state=existing
  mkdir -p "$data/etcd-$n" && chmod 700 "$data/etcd-$n"
  spawn "etcd-$n" etcd --name "etcd-$n" --data-dir "$data/etcd-$n" --logger zap \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$(etcd_initial_cluster)" --initial-cluster-token blog-ha \
    --initial-cluster-state "$state"
}

etcd_healthy() {  # N
  etcdctl --endpoints "http://127.0.0.1:$(etcd_client_port "$1")" --dial-timeout 1s \
    --command-timeout 2s endpoint health
}

start_etcd_cluster() {
  local n
  for n in "${nodes[@]}"; do start_etcd "$n"; done
  for n in "${nodes[@]}"; do wait_for "etcd-$n" 30 etcd_healthy "$n" || return 1; done
}

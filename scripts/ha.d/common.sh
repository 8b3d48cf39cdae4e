# shellcheck shell=bash
# shellcheck disable=SC2154  # $root and $data come from scripts/ha
# The HA topology's names and ports, and how its processes are started and stopped. Sourced by
# scripts/ha.
#
# Ports (HA_PORT_OFFSET, fixed when the topology is first started, moves them all):
#   etcd clients 2381 2383 2385, peers 2382 2384 2386 (2379 and 2380 stay free for a system etcd)
#   NATS clients 4231-4233, routes 4241-4243, monitoring 4251-4253
#   PostgreSQL 5141-5143, Patroni REST API 8008-8010
#   services, replica 1: posts 4100, comments 4101, query 4102, moderation 4103;
#             replica 2: 4110-4113
#   web page 4130, nginx ingress 4180

services=(posts comments moderation query)
nodes=(1 2 3)
replicas=(1 2)
declare -A service_index=([posts]=0 [comments]=1 [query]=2 [moderation]=3)

etcd_client_port() { echo $((2379 + 2 * $1 + offset)); }
etcd_peer_port() { echo $((2380 + 2 * $1 + offset)); }
nats_port() { echo $((4230 + $1 + offset)); }
nats_route_port() { echo $((4240 + $1 + offset)); }
nats_http_port() { echo $((4250 + $1 + offset)); }
pg_port() { echo $((5140 + $1 + offset)); }
patroni_port() { echo $((8007 + $1 + offset)); }
service_port() { echo $((4100 + 10 * ($2 - 1) + ${service_index[$1]} + offset)); }  # SERVICE REPLICA
page_port() { echo $((4130 + offset)); }
ingress_port() { echo $((4180 + offset)); }

# Every port of the topology, for the free-port check before a start.
all_ports() {
  local n s r
  for n in "${nodes[@]}"; do
    etcd_client_port "$n"; etcd_peer_port "$n"; nats_port "$n"; nats_route_port "$n"
    nats_http_port "$n"; pg_port "$n"; patroni_port "$n"
  done
  for s in "${services[@]}"; do for r in "${replicas[@]}"; do service_port "$s" "$r"; done; done
  page_port; ingress_port
}

joined() { local IFS=$1; shift; echo "$*"; }  # joined , a b c -> a,b,c

nats_urls() { local n u=(); for n in "${nodes[@]}"; do u+=("nats://127.0.0.1:$(nats_port "$n")"); done; joined , "${u[@]}"; }
pg_hosts() { local n h=(); for n in "${nodes[@]}"; do h+=("127.0.0.1:$(pg_port "$n")"); done; joined , "${h[@]}"; }
etcd_hosts() { local n h=(); for n in "${nodes[@]}"; do h+=("127.0.0.1:$(etcd_client_port "$n")"); done; joined , "${h[@]}"; }

# A service's DATABASE_URL: every member, so that libpq finds the primary by itself after a
# failover (target_session_attrs=read-write skips standbys; connect_timeout bounds a dead host).
database_url() {
  echo "postgresql://$1:$1-local@$(pg_hosts)/$1?target_session_attrs=read-write&connect_timeout=2"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- processes ---------------------------------------------------------------------------------
# Each process of the topology has a name (etcd-1, nats-2, patroni-3, posts-1, ingress, ...), a
# pid file in $data/run and a log in $data/logs. They run in their own session (setsid), so a
# Ctrl-C in the terminal reaches only `./blog up --ha`, which then stops them in order.

pid_of() { cat "$data/run/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

spawn() {  # NAME COMMAND...: starts COMMAND in the background, unless NAME already runs
  local name=$1; shift
  alive "$name" && return 0
  mkdir -p "$data/run" "$data/logs"
  setsid "$@" >>"$data/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$data/run/$name.pid"
}

# stop_process NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 15).
stop_process() {
  local name=$1 seconds=${2:-15} pid i
  pid=$(pid_of "$name")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < seconds * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$data/run/$name.pid"
}

kill_process() {  # NAME: kill -9, as a crash
  local pid; pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
}

wait_for() {  # WHAT SECONDS COMMAND...: polls every 0.2 s
  local what=$1 seconds=$2 i; shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$what did not become ready in ${seconds}s (logs: $data/logs)" >&2
  return 1
}

# The words that run a command as the postgres user (Patroni and PostgreSQL refuse root); they
# exec, so a process started through them keeps its pid.
as_postgres_words() {
  [ "$(id -un)" = postgres ] ||
    echo "setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql"
}
# shellcheck disable=SC2046
as_postgres() { $(as_postgres_words) "$@"; }

secret() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }

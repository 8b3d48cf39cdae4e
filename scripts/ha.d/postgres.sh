# shellcheck shell=bash
# shellcheck disable=SC2154  # $root, $data and the passwords come from scripts/ha
# PostgreSQL 15 under Patroni: three members over the etcd cluster, synchronous replication,
# automatic failover, pg_rewind to bring an old primary back. Patroni and PostgreSQL run as the
# postgres user. Sourced by scripts/ha.

pg_bin=/usr/lib/postgresql/15/bin
scope=blog

patroni_conf() { echo "$data/patroni-$1.yml"; }

write_patroni_conf() {  # N
  local n=$1 home=$data/pg-$n
  cat <<YAML
# Member pg-$n of the local PostgreSQL cluster, written by scripts/ha.
scope: $scope
namespace: /blog/
name: pg-$n
restapi:
  listen: 127.0.0.1:$(patroni_port "$n")
  connect_address: 127.0.0.1:$(patroni_port "$n")
  authentication: { username: patroni, password: "$restapi_password" }
etcd3:
  hosts: $(etcd_hosts)
bootstrap:
  # Written to etcd by the member that initialises the cluster; the whole cluster's settings.
  dcs:
    # A dead leader's lock expires after ttl seconds; the loop runs every loop_wait seconds.
    ttl: 15
    loop_wait: 2
    retry_timeout: 5
    # A commit is acknowledged only once the synchronous standby has it, so a failover to that
    # standby loses no acknowledged write. Not strict: while no standby is available the
    # primary carries on alone (README, "High availability").
    synchronous_mode: true
    synchronous_mode_strict: false
    # A crashed primary is failed over at once (its synchronous standby has every commit)
    # instead of being restarted in place; it comes back as a standby.
    primary_start_timeout: 0
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        shared_buffers: 128MB
        wal_keep_size: 256MB
  initdb: [ { encoding: UTF8 }, { locale: C.UTF-8 }, data-checksums ]
  # The services' roles and databases, once, on the new cluster's leader.
  post_bootstrap: $data/pg-post-bootstrap
postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  connect_address: 127.0.0.1:$(pg_port "$n")
  data_dir: $home/data
  bin_dir: $pg_bin
  pgpass: $home/pgpass
  use_unix_socket: true
  # A new member copies the leader after an immediate checkpoint, not a spread one (minutes).
  basebackup: { checkpoint: fast }
  authentication:
    superuser: { username: postgres }
    replication: { username: replicator, password: "$replication_password" }
    rewind: { username: rewind, password: "$rewind_password" }
  parameters:
    unix_socket_directories: $home/run
  # As scripts/servers: administration over the unix socket only, each service role reaches
  # only its own database; plus the members' replication and pg_rewind connections.
  pg_hba:
    - local all postgres peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host postgres rewind 127.0.0.1/32 scram-sha-256
    - host sameuser all 127.0.0.1/32 scram-sha-256
YAML
}

write_post_bootstrap() {
  {
    echo '#!/bin/sh'
    echo '# Patroni post_bootstrap: $1 is a superuser connection string to the new leader.'
    echo 'exec psql -X -q -v ON_ERROR_STOP=1 -d "$1" <<'"'SQL'"
    "$root/scripts/pg-roles"
    echo 'SQL'
  } >"$data/pg-post-bootstrap"
  chmod 755 "$data/pg-post-bootstrap"
}

start_patroni() {  # N
  local n=$1 home=$data/pg-$n pid
  # A member starts whole: a PostgreSQL still running without its Patroni (the Patroni died) is
  # stopped first, as a container restart or Patroni's watchdog does on real nodes. Patroni 3.0
  # would otherwise reload its configuration before demoting it, which empties
  # synchronous_standby_names and acknowledges commits that no standby has, and then loses them.
  pid=$(postmaster_pid "$n")
  if ! alive "patroni-$n" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    as_postgres "$pg_bin/pg_ctl" -D "$home/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  mkdir -p "$home/run"
  chown postgres:postgres "$home" "$home/run" 2>/dev/null || true
  chmod 700 "$home"
  write_patroni_conf "$n" >"$(patroni_conf "$n")"
  chmod 644 "$(patroni_conf "$n")"
  # shellcheck disable=SC2046
  spawn "patroni-$n" $(as_postgres_words) patroni "$(patroni_conf "$n")"
}

# patroni_api N PATH: the member's REST API answer (JSON).
patroni_api() { curl -fs --max-time 2 "http://127.0.0.1:$(patroni_port "$1")$2"; }

# The cluster as the first member that answers sees it: {members:[{name,role,state,lag,...}]}.
patroni_cluster() {
  local n
  for n in "${nodes[@]}"; do patroni_api "$n" /cluster && return 0; done
  return 1
}

# The cluster has a running leader, a streaming synchronous standby, and every member runs.
patroni_healthy() {
  patroni_cluster | jq -e '
    ([.members[] | select(.role == "leader" and .state == "running")] | length == 1) and
    ([.members[] | select(.role == "sync_standby" and (.state == "streaming" or .state == "running"))] | length >= 1) and
    ([.members[] | select(.state == "running" or .state == "streaming")] | length == 3)'
}

patroni_leader() { patroni_cluster | jq -r '.members[] | select(.role == "leader") | .name'; }
patroni_sync_standby() { patroni_cluster | jq -r '[.members[] | select(.role == "sync_standby")][0].name // empty'; }

# The postmaster's pid of member N (first line of postmaster.pid), or nothing.
postmaster_pid() { head -1 "$data/pg-$1/data/postmaster.pid" 2>/dev/null || true; }

start_patroni_cluster() {
  write_post_bootstrap
  chmod a+x "$data"  # the postgres user reaches its folders inside
  as_postgres test -r "$data/pg-post-bootstrap" || {
    echo "the postgres user cannot reach $data: every folder above it must be searchable (chmod a+x)" >&2
    return 1
  }
  local n
  for n in "${nodes[@]}"; do start_patroni "$n"; done
  wait_for "the PostgreSQL cluster (leader, synchronous standby, 3 members)" 180 patroni_healthy
}

# A planned switchover to the synchronous standby, through patronictl.
switchover() {
  local leader candidate
  leader=$(patroni_leader) candidate=$(patroni_sync_standby)
  [ -n "$leader" ] && [ -n "$candidate" ] ||
    { echo "no switchover: the cluster has no leader or no synchronous standby" >&2; return 1; }
  patronictl -c "$(patroni_conf 1)" switchover --leader "$leader" --candidate "$candidate" --force \
    "$scope"
  # The old primary restarts as a standby of the new one; done when it streams again.
  wait_for "the switched-over cluster" 60 patroni_healthy || return 1
  [ "$(patroni_leader)" = "$candidate" ] || { echo "the switchover did not happen" >&2; return 1; }
  echo "new topology:"
  patronictl -c "$(patroni_conf 1)" list "$scope"
}

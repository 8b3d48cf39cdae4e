# shellcheck shell=bash
# shellcheck disable=SC2154  # $root and $data come from scripts/ha
# nginx as the local ingress. Its routes are read from the Kubernetes Ingress (k8s/base/ingress.yaml),
# the one route table, and laid out as ingress-nginx lays out use-regex paths: case-insensitive
# regular expressions anchored at the start, longest path first. Sourced by scripts/ha.

# The Ingress's rules as "host<TAB>path<TAB>service" lines, in the file's order.
ingress_routes() {
  python3 - "$root/k8s/base/ingress.yaml" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if not doc or doc.get("kind") != "Ingress":
        continue
    for rule in doc["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            print(f'{rule["host"]}\t{p["path"]}\t{p["backend"]["service"]["name"]}')
PY
}

# ingress-nginx's location order: longer paths first; among paths of the same length the one
# that sorts last as a string first.
ordered_routes() {
  ingress_routes | awk -F'\t' '{ printf "%05d\t%s\n", length($2), $0 }' | sort -r | cut -f2-
}

upstream_block() {  # NAME PORT...: both replicas, with passive health checks
  local name=$1 port; shift
  echo "  upstream $name {"
  # A replica that failed once is skipped for 5 s, then tried again.
  for port in "$@"; do echo "    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"; done
  echo "    keepalive 32;"
  # Below the services' idle timeout (10 s): nginx closes an idle connection before a service
  # does, so it never sends a POST on a connection the service is closing.
  echo "    keepalive_timeout 5s;"
  echo "  }"
}

write_nginx_conf() {
  local dir=$data/nginx host path service s routes
  routes=$(ordered_routes | sort -s -t$'\t' -k1,1) && [ -n "$routes" ] ||
    { echo "no routes read from $root/k8s/base/ingress.yaml" >&2; return 1; }
  cat <<CONF
# The local ingress, written by scripts/ha from k8s/base/ingress.yaml. Do not edit: regenerated at
# every start.
worker_processes 1;
pid $dir/nginx.pid;
error_log $data/logs/ingress-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  client_max_body_size 2m;
CONF
  for s in posts comments query; do upstream_block "$s" "$(service_port "$s" 1)" "$(service_port "$s" 2)"; done
  upstream_block client "$(page_port)"
  cat <<CONF
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  proxy_connect_timeout 1s;
  proxy_read_timeout 30s;
  # A request goes to the other replica when this one refused the connection, failed, timed
  # out or answered 502; nginx never does so for a POST once it has been sent (no
  # non_idempotent here), since the first replica may have applied it.
  proxy_next_upstream error timeout http_502;
  proxy_next_upstream_tries 2;
  server {
    listen 127.0.0.1:$(ingress_port) default_server;
    # Hosts that no rule names: 404, as ingress-nginx's default backend.
    location / {
      default_type application/json;
      return 404 '{"errors":[{"message":"no ingress rule for this host"}]}';
    }
  }
CONF
  local current_host=""
  while IFS=$'\t' read -r host path service; do
    if [ "$host" != "$current_host" ]; then
      [ -n "$current_host" ] && echo "  }"
      echo "  server {"
      echo "    listen 127.0.0.1:$(ingress_port);"
      echo "    server_name $host;"
      current_host=$host
    fi
    echo "    location ~* \"^$path\" { proxy_pass http://$service; }"
  done <<<"$routes"
  [ -n "$current_host" ] && echo "  }"
  echo "}"
}

start_ingress() {
  mkdir -p "$data/nginx/tmp" "$data/logs"
  write_nginx_conf >"$data/nginx/nginx.conf" || return 1
  nginx -t -q -e "$data/logs/ingress-error.log" -c "$data/nginx/nginx.conf" ||
    { echo "the generated nginx configuration is invalid: $data/nginx/nginx.conf" >&2; return 1; }
  spawn ingress nginx -e "$data/logs/ingress-error.log" -c "$data/nginx/nginx.conf" -g 'daemon off;'
  wait_for "the nginx ingress" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(ingress_port)"
}

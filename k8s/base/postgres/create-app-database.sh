#!/bin/bash
# Runs once, from /docker-entrypoint-initdb.d, when the postgres image initialises an empty
# volume: creates the service's own role and database (APP_DB, password APP_PASSWORD).
# The service never uses the superuser; its role may connect to its own database only.
set -euo pipefail
# APP_PASSWORD is pasted into the service's DATABASE_URL: the rule of k8s/kustomization.yaml
# keeps URL-reserved characters out. Refuse anything else here, where it enters PostgreSQL.
if [[ ! $APP_PASSWORD =~ ^[A-Za-z][A-Za-z0-9-]{15,}$ ]]; then
  echo "create-app-database: APP_PASSWORD of $APP_DB breaks the password rule: letters, digits" \
    "and dashes, starting with a letter, 16 or more characters (it goes into a URL)" >&2
  exit 1
fi
psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname postgres \
  -v db="$APP_DB" -v pw="$APP_PASSWORD" <<'SQL'
CREATE ROLE :"db" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"db";
REVOKE CONNECT, TEMPORARY ON DATABASE :"db" FROM PUBLIC;
-- Nor may it open the server's maintenance databases (PUBLIC may by default).
REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL
echo "create-app-database: created role and database $APP_DB"

#!/bin/bash
# Runs once, from /docker-entrypoint-initdb.d, when the postgres image initialises an empty
# volume: creates the service's own role and database (APP_DB, password APP_PASSWORD).
# The service never uses the superuser; its role may connect to its own database only.
set -euo pipefail
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

#!/usr/bin/env bash
# Makes sure a PostgreSQL server is running on 127.0.0.1 with a role and
# database `conexizan_test`, then prints its URL as the last line of stdout
# (everything else goes to stderr, so `url=$(scripts/ensure-postgres.sh)` works).
#
# Idempotent and non-interactive; run as root on Debian. Uses Debian's
# postgresql-common cluster tools (pg_lsclusters, pg_ctlcluster) because
# there is no systemd to start the service for us.
set -euo pipefail

NAME=conexizan_test
PASSWORD="${CONEXIZAN_TEST_POSTGRES_PASSWORD:-conexizan_test}"

log() { echo "ensure-postgres: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs packages and starts the cluster as user postgres)"
  exit 1
fi

server_installed() {
  command -v pg_lsclusters >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

if ! server_installed; then
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be stale on a fresh machine; only refresh them if needed.
  apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; }
fi

# The package normally creates cluster "main" of its version; make one if it did not.
read -r version port status < <(pg_lsclusters --no-header | awk '$2 == "main" { print $1, $3, $4; exit }') || true
if [ -z "${version:-}" ]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  log "creating cluster $version/main"
  pg_createcluster "$version" main --port 5432 -- --encoding UTF8 --locale C.UTF-8 >&2
  read -r version port status < <(pg_lsclusters --no-header | awk '$2 == "main" { print $1, $3, $4; exit }')
fi

if [ "$status" != "online" ]; then
  log "starting cluster $version/main on port $port"
  pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$port" >&2

psql_admin() { runuser -u postgres -- psql -X -q -p "$port" -v ON_ERROR_STOP=1 "$@"; }

# CREATEDB lets Prisma make its throw-away shadow database when a migration is created.
psql_admin -v name="$NAME" -v password="$PASSWORD" >&2 <<'SQL'
SELECT format(
  CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = :'name')
    THEN 'ALTER ROLE %I LOGIN CREATEDB PASSWORD %L'
    ELSE 'CREATE ROLE %I LOGIN CREATEDB PASSWORD %L' END,
  :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L TEMPLATE template0',
  :'name', :'name', 'UTF8', 'C', 'C.UTF-8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SQL

echo "postgresql://$NAME:$PASSWORD@127.0.0.1:$port/$NAME"

#!/usr/bin/env bash
# The replica of the scaled profile (docker-compose.yml): on first start, clone the primary with pg_basebackup (-R writes
# standby.signal and primary_conninfo, so the server starts as a hot standby streaming from it); then run postgres.
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  echo "replica: cloning ${PRIMARY_HOST} into ${PGDATA}"
  # The password goes through the environment, never the command line or a file left in the image.
  PGPASSWORD="$PRIMARY_PASSWORD" gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U "$PRIMARY_USER" -D "$PGDATA" -R -X stream -c fast
fi
exec gosu postgres postgres -c hot_standby=on

#!/bin/sh
# Temporal's two PostgreSQL databases, created if missing and brought to the schema version of this temporal-sql-tool
# (the server's own version: the schemas are embedded in the tool). Every step is idempotent, so it runs at every
# start and is how an upgrade gets its schema changes (stop the old server, run this with the new tool, start the new
# server). Any failure stops it with a non-zero exit, and the server is not started.
#
# Run by docker-compose.yml's temporal-schema job (temporalio/admin-tools, same version as the server) and by
# `npm run cluster` (the natively built tool). The connection comes from the tool's own environment:
# SQL_PLUGIN (postgres12), SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

: "${SQL_PLUGIN:?SQL_PLUGIN is required (postgres12)}"
: "${SQL_HOST:?SQL_HOST is required}"
: "${SQL_PORT:?SQL_PORT is required}"
: "${SQL_USER:?SQL_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=postgresql/v12/temporal ;;
    temporal_visibility) schema=postgresql/v12/visibility ;;
  esac
  temporal-sql-tool --db "$db" create-database
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema --schema-name "$schema"
  echo "database $db: schema $schema up to date"
done

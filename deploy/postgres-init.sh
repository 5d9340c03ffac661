#!/bin/sh
# The roles of README "Running in production", created once by the postgres image on its
# first start (mounted in /docker-entrypoint-initdb.d): the schema's owner, which
# `crm migrate` and `crm backup` connect as (BYPASSRLS, to read every user's rows; as the
# tables' owner it could lift their row-level security anyway), and `crm_app`, which the CRM
# serves through (no superuser, no BYPASSRLS, owner of nothing, so row-level security holds).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$CRM_OWNER_PASSWORD" -v app_password="$CRM_APP_PASSWORD" <<'SQL'
CREATE ROLE crm_owner LOGIN PASSWORD :'owner_password' BYPASSRLS;
CREATE DATABASE crm OWNER crm_owner;
CREATE ROLE crm_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
SQL

#!/bin/sh
# One-shot: fills the placeholders of infra/connect/fixlify-postgres.json, PUTs it (idempotent) and
# waits until the connector and its task are RUNNING. Mirrors the `connector` step of infra/local.
set -eu
: "${CONNECT_URL:=http://connect:8083}" "${PG_HOST:=postgres}" "${PG_PORT:=5432}" "${PG_USER:=postgres}"
: "${PG_DATABASE:=fixlify}" "${CDC_PREFIX:=fixlify}" "${CONNECTOR_FILE:=/connect/fixlify-postgres.json}"
config=$(sed -e "s|\${PG_HOST}|${PG_HOST}|g" -e "s|\${PG_PORT}|${PG_PORT}|g" -e "s|\${PG_USER}|${PG_USER}|g" \
  -e "s|\${PG_DATABASE}|${PG_DATABASE}|g" -e "s|\${CDC_PREFIX}|${CDC_PREFIX}|g" "$CONNECTOR_FILE")
case "$config" in *'${'*) echo "unfilled placeholder in fixlify-postgres.json" >&2; exit 1 ;; esac
curl -fsS -X PUT -H 'Content-Type: application/json' --data "$config" "$CONNECT_URL/connectors/fixlify-postgres/config" >/dev/null
i=0
while [ $i -lt 120 ]; do
  status=$(curl -fsS "$CONNECT_URL/connectors/fixlify-postgres/status" || true)
  case "$status" in
    *FAILED*) echo "connector FAILED: $status" >&2; exit 1 ;;
    *'"tasks":[{'*) if [ "$(echo "$status" | grep -o '"state":"RUNNING"' | wc -l)" -ge 2 ]; then echo "fixlify-postgres RUNNING"; exit 0; fi ;;
  esac
  i=$((i + 1)); sleep 1
done
echo "connector not RUNNING after 120 s: $status" >&2
exit 1

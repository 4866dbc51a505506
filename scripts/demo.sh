#!/usr/bin/env bash
# `make demo`: the Dagster UI with the demo pipelines and, beside it, the lineage explorer on
# the same store (lineage.db under DAGSTER_HOME unless LINEAGE_DATABASE_URL says otherwise).
# Ctrl-C stops both.
#   PORT (3000)           the Dagster UI
#   EXPLORER_PORT (3100)  the lineage explorer (`lineage serve --no-auth`: loopback only)
#   HOST (127.0.0.1)      a loopback address: the explorer serves without tokens
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DAGSTER_HOME:?set DAGSTER_HOME (make demo sets it to .dagster_home)}"
PORT=${PORT:-3000}
EXPLORER_PORT=${EXPLORER_PORT:-3100}
HOST=${HOST:-127.0.0.1}
BIN=${BIN:-.venv/bin}
export LINEAGE_EXPLORER_URL="http://$HOST:$EXPLORER_PORT"

mkdir -p "$DAGSTER_HOME"
cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"
"$BIN/lineage" init >/dev/null  # the store both processes use; kept when it exists

# The explorer in the background (stopped when this script exits), Dagster in the foreground,
# where Ctrl-C reaches it.
"$BIN/lineage" serve --no-auth --host "$HOST" --port "$EXPLORER_PORT" \
  --dagster-url "http://$HOST:$PORT" &
explorer=$!
trap 'kill -TERM "$explorer" 2>/dev/null; wait "$explorer" 2>/dev/null' EXIT

echo "Dagster UI:       http://$HOST:$PORT   (DAGSTER_HOME=$DAGSTER_HOME)"
echo "Lineage explorer: http://$HOST:$EXPLORER_PORT"
"$BIN/dagster" dev -w workspace.yaml -h "$HOST" -p "$PORT"

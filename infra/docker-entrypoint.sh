#!/bin/sh
# Entry point of the memfabric image: the first argument names the service, the rest goes to it.
#   docker run memfabric ingest | gateway | audit | projector | fabric | mcp [--http ...]
# Each service runs its build (dist/main.js) with plain node; settings come from the environment
# (docs/operations.md). exec keeps node as the process that receives SIGTERM.
# MEMFABRIC_APP_DIR (default /app) and MEMFABRIC_NODE (default node) exist for tests.
set -eu

services='ingest gateway audit projector fabric mcp'
app="${MEMFABRIC_APP_DIR:-/app}"
node="${MEMFABRIC_NODE:-node}"

if [ "$#" -eq 0 ]; then
  echo "memfabric: name a service to run: one of $services" >&2
  exit 2
fi
service="$1"
shift

case "$service" in
  ingest) main=services/ingest/dist/main.js ;;
  gateway) main=services/query-gateway/dist/main.js ;;
  audit) main=services/audit/dist/main.js ;;
  projector) main=services/projector/dist/main.js ;;
  fabric) main=services/fabric/dist/main.js ;;
  mcp) main=services/mcp/dist/main.js ;;
  *)
    echo "memfabric: unknown service '$service': expected one of $services" >&2
    exit 2
    ;;
esac

exec "$node" "$app/$main" "$@"

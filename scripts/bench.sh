#!/usr/bin/env bash
# npm run bench: builds, then runs each benchmark against the local MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
node dist/bench/api.bench.js
node dist/bench/tenancy.bench.js
node dist/bench/engine.bench.js
node dist/bench/sidecar.bench.js
node dist/bench/log.bench.js
node dist/bench/sync.bench.js
# A real Keycloak with the extension (scripts/keycloak.sh starts one on 18080 where none answers).
node dist/bench/keycloak.bench.js

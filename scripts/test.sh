#!/usr/bin/env bash
# The whole test suite, as a user and CI run it (npm test): makes sure its prerequisites are there
# (Debian's Chromium for the GraphiQL test, a MariaDB/MySQL server, a Kafka broker), then lint, build
# and jest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_chromium() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [ -x "$chromium" ] && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's chromium for the GraphiQL browser test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: Chromium is missing at $chromium; install it: sudo apt-get install -y chromium" >&2
    exit 1
  fi
}

mysql_up() {
  node -e "require('mysql2/promise').createConnection(process.argv[1]).then(c => c.end(), () => process.exit(1))" \
    "${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}"
}

need_mariadb() {
  mysql_up && return
  if [ -x /usr/sbin/mariadbd ] && [ "$(id -u)" = 0 ]; then
    echo "test: starting the local MariaDB server"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 30); do mysql_up && return; sleep 1; done
  fi
  echo "test: no MariaDB/MySQL at ${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}; start one:" \
    "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd (or set TEST_MYSQL_URL)" >&2
  exit 1
}

# A real Kafka broker (scripts/kafka.sh: Apache Kafka from Maven Central jars, KRaft, one node on
# 127.0.0.1:${KAFKA_PORT:-19092}). One that already answers there is used as it is; otherwise this
# script starts one on a fresh data dir and stops it when it exits, whatever the outcome.
need_kafka() {
  export KAFKA_PORT="${KAFKA_PORT:-19092}"
  if bash scripts/kafka.sh status >/dev/null 2>&1; then
    echo "test: using the Kafka broker that already answers on 127.0.0.1:$KAFKA_PORT"
  else
    bash scripts/kafka.sh fetch
    STOP_ON_EXIT+=('bash scripts/kafka.sh stop')
    bash scripts/kafka.sh start --fresh
  fi
  export KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
}

# A real Keycloak (scripts/keycloak.sh: the keycloak-quarkus-dist zip from Maven Central, dev mode,
# this project's extension in providers/, events to the broker above) for test/keycloak-e2e.test.ts.
# One that already answers is used as it is; otherwise one is started fresh and stopped at the end.
need_keycloak() {
  export KEYCLOAK_PORT="${KEYCLOAK_PORT:-18080}"
  if bash scripts/keycloak.sh status; then
    echo "test: using the Keycloak that already answers on 127.0.0.1:$KEYCLOAK_PORT"
  else
    STOP_ON_EXIT+=('bash scripts/keycloak.sh stop')
    bash scripts/keycloak.sh start --fresh
  fi
  export KEYCLOAK_TEST_URL="http://127.0.0.1:$KEYCLOAK_PORT"
}

STOP_ON_EXIT=()
# Last started, first stopped: Keycloak flushes its events before the broker goes.
stop_all() {
  local i
  for ((i = ${#STOP_ON_EXIT[@]} - 1; i >= 0; i--)); do ${STOP_ON_EXIT[i]} || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

need_chromium
need_mariadb
npm run --silent lint
npx tsc -p tsconfig.json
bash scripts/build-keycloak-extension.sh
need_kafka
need_keycloak
npx jest "$@"

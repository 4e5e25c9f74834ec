#!/usr/bin/env bash
# A real Keycloak for the test suite: the keycloak-quarkus-dist zip from Maven Central, started on
# loopback in dev mode (embedded H2) with this project's extension in providers/, its events going
# to the test Kafka broker.
#
#   scripts/keycloak.sh fetch            download and unpack the distribution into .cache/keycloak (once)
#   scripts/keycloak.sh start [--fresh]  start it in the background and wait until it answers;
#                                        --fresh drops its data (realms, users) first
#   scripts/keycloak.sh stop             SIGTERM, then SIGKILL after a timeout
#   scripts/keycloak.sh status           exit 0 when it answers on the port
#
# Environment: KEYCLOAK_PORT (default 18080), KEYCLOAK_VERSION (default: the version the extension is
# built against), KEYCLOAK_KAFKA (default 127.0.0.1:${KAFKA_PORT:-19092}), KEYCLOAK_START_TIMEOUT
# (seconds, default 180), JAVA_HOME. Bootstrap admin: admin / admin (master realm).
# Files: .cache/keycloak/{keycloak-<version>/,keycloak.pid,keycloak.out}.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${KEYCLOAK_VERSION:-$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$ROOT/keycloak-extension/pom.xml")}"
CACHE="$ROOT/.cache/keycloak"
HOME_DIR="$CACHE/keycloak-$VERSION"
PIDFILE="$CACHE/keycloak.pid"
OUT="$CACHE/keycloak.out"
PORT="${KEYCLOAK_PORT:-18080}"
KAFKA="${KEYCLOAK_KAFKA:-127.0.0.1:${KAFKA_PORT:-19092}}"
START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-180}"
JAR="$ROOT/keycloak-extension/target/keycloak-outbound-provisioning.jar"
HINT='apt-get install -y openjdk-17-jdk-headless maven'

say() { echo "keycloak: $*"; }
die() {
  echo "keycloak: ERROR: $*" >&2
  exit 1
}

answers() { curl -sf -o /dev/null "http://127.0.0.1:$PORT/realms/master"; }

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

cmd_fetch() {
  [ -x "$HOME_DIR/bin/kc.sh" ] && return
  command -v mvn >/dev/null 2>&1 || die "mvn was not found. Fix: $HINT"
  mkdir -p "$CACHE"
  say "fetching keycloak-quarkus-dist $VERSION from Maven Central into ${CACHE#"$ROOT"/}"
  if ! mvn -B -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:zip" \
    -DoutputDirectory="$CACHE" >"$CACHE/fetch.log" 2>&1; then
    tail -n 20 "$CACHE/fetch.log" >&2
    die "mvn could not fetch org.keycloak:keycloak-quarkus-dist:$VERSION:zip (log: ${CACHE#"$ROOT"/}/fetch.log)"
  fi
  rm -rf "$HOME_DIR.tmp"
  mkdir -p "$HOME_DIR.tmp"
  (cd "$HOME_DIR.tmp" && jar xf "$CACHE/keycloak-quarkus-dist-$VERSION.zip") ||
    die "could not unpack the distribution (is a JDK installed? Fix: $HINT)"
  mv "$HOME_DIR.tmp/keycloak-$VERSION" "$HOME_DIR"
  rm -rf "$HOME_DIR.tmp" "$CACHE/keycloak-quarkus-dist-$VERSION.zip"
  chmod +x "$HOME_DIR"/bin/*.sh
}

cmd_start() {
  local fresh=0
  [ "${1:-}" = "--fresh" ] && fresh=1
  if running_pid >/dev/null && answers; then
    say "already running on http://127.0.0.1:$PORT"
    return
  fi
  answers && die "another Keycloak already answers on 127.0.0.1:$PORT; pick another port: KEYCLOAK_PORT=28080"
  command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] ||
    die "java was not found (Keycloak $VERSION needs Java 17 or newer). Fix: $HINT"
  [ -f "$JAR" ] || die "the extension is not built: bash scripts/build-keycloak-extension.sh"
  cmd_fetch
  [ "$fresh" = 1 ] && rm -rf "$HOME_DIR/data"
  cp "$JAR" "$HOME_DIR/providers/"
  local started
  started=$(date +%s)
  say "starting Keycloak $VERSION on http://127.0.0.1:$PORT (events to Kafka at $KAFKA)"
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
    setsid "$HOME_DIR/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$PORT" \
    --spi-events-listener--outbound-provisioning--bootstrap-servers="$KAFKA" \
    >"$OUT" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  until answers; do
    if ! running_pid >/dev/null; then
      tail -n 40 "$OUT" >&2
      die "Keycloak exited during start (output: ${OUT#"$ROOT"/})"
    fi
    if [ $(($(date +%s) - started)) -ge "$START_TIMEOUT" ]; then
      tail -n 40 "$OUT" >&2
      cmd_stop
      die "Keycloak did not answer within ${START_TIMEOUT}s"
    fi
    sleep 1
  done
  say "ready in $(($(date +%s) - started))s"
}

cmd_stop() {
  local pid
  pid="$(running_pid)" || { say "not running"; rm -f "$PIDFILE"; return 0; }
  # kc.sh execs java in the same process group (setsid made it a group leader).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  say "stopped"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) answers ;;
  *) die "usage: scripts/keycloak.sh fetch|start [--fresh]|stop|status" ;;
esac

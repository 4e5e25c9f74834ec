#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) for the test suite,
# run from Maven Central jars (tools/kafka/pom.xml) on loopback.
#
#   scripts/kafka.sh fetch            copy the broker's jars into .cache/kafka/libs (once; quick after)
#   scripts/kafka.sh start [--fresh]  start it in the background and wait until it answers; the data
#                                     dir is kept (topics and committed offsets survive a restart),
#                                     --fresh wipes it first
#   scripts/kafka.sh stop             SIGTERM (controlled shutdown), then SIGKILL after a timeout
#   scripts/kafka.sh restart          stop + start, keeping the data
#   scripts/kafka.sh status           exit 0 when a broker answers on the port
#
# Environment: KAFKA_PORT (default 19092, so a user's own Kafka on 9092 is left alone),
# KAFKA_CONTROLLER_PORT (default KAFKA_PORT+1), KAFKA_HEAP_OPTS (default -Xms256m -Xmx512m),
# KAFKA_START_TIMEOUT (seconds, default 90), KAFKA_STOP_TIMEOUT (seconds, default 30), JAVA_HOME.
# Files: .cache/kafka/{libs,data,logs/server.log,broker.out,kafka.pid,server.properties}.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
POM="$ROOT/tools/kafka/pom.xml"
TEMPLATE="$ROOT/tools/kafka/server.properties"
LOG4J_CONFIG="$ROOT/tools/kafka/log4j2.properties"
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/libs"
DATA="$CACHE/data"
LOGS="$CACHE/logs"
PIDFILE="$CACHE/kafka.pid"
CONFIG="$CACHE/server.properties"
OUT="$CACHE/broker.out"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
INSTALL_HINT='apt-get install -y openjdk-17-jre-headless maven'

say() { echo "kafka: $*"; }
die() {
  echo "kafka: ERROR: $*" >&2
  exit 1
}

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java was not found (Kafka 4.1 needs Java 17 or newer). Fix: $INSTALL_HINT"
  fi
}

need_java() {
  JAVA="$(java_bin)"
  local version major
  version="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  major="${version%%.*}"
  [ "$major" = 1 ] && major=8
  if ! [ "$major" -ge 17 ] 2>/dev/null; then
    die "$JAVA is Java ${version:-unknown}; Kafka 4.1 needs Java 17 or newer." \
      "Fix: $INSTALL_HINT (or point JAVA_HOME at a JDK 17+, e.g. one under /usr/lib/jvm)"
  fi
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 || die "mvn (Apache Maven) was not found; it fetches the broker's jars. Fix: $INSTALL_HINT"
}

# Does a Kafka broker answer on 127.0.0.1:$1? Sends an ApiVersions v0 request (correlation id 1) over
# bash's /dev/tcp and checks the reply's correlation id and error code (0). A bound port alone is not
# enough: the broker binds its listener before it serves requests.
answers() {
  local port="$1"
  # shellcheck disable=SC2016 # $1 and $reply belong to the inner bash
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x0e\x00\x12\x00\x00\x00\x00\x00\x01\x00\x04ping" >&3
    reply="$(head -c 10 <&3 | od -An -tx1 | tr -d " \n")"
    [ "${reply:8:12}" = "000000010000" ]
  ' _ "$port" 2>/dev/null
}

port_bound() {
  # shellcheck disable=SC2016 # $1 belongs to the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  else
    rm -f "$PIDFILE"
    return 1
  fi
}

show_logs() {
  echo "---- last lines of $LOGS/server.log ----" >&2
  tail -n 40 "$LOGS/server.log" >&2 2>/dev/null || echo "(no server.log)" >&2
  echo "---- last lines of $OUT (JVM stdout/stderr) ----" >&2
  tail -n 20 "$OUT" >&2 2>/dev/null || echo "(no output)" >&2
}

libs_stamp() {
  sha256sum "$POM" | cut -d' ' -f1
}

cmd_fetch() {
  if [ -f "$LIBS/.complete" ] && [ "$(cat "$LIBS/.complete")" = "$(libs_stamp)" ]; then
    [ "${1:-}" = --quiet ] && return
    say "jars already in ${LIBS#"$ROOT"/} ($(find "$LIBS" -name '*.jar' | wc -l) jars)"
    return
  fi
  need_java
  need_mvn
  say "fetching the broker's jars from Maven Central (tools/kafka/pom.xml) into ${LIBS#"$ROOT"/}"
  mkdir -p "$CACHE"
  local tmp="$CACHE/libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE/fetch.log" 2>&1; then
    tail -n 30 "$CACHE/fetch.log" >&2
    rm -rf "$tmp"
    die "mvn could not fetch the jars (full log: ${CACHE#"$ROOT"/}/fetch.log). Is Maven Central reachable? Try: mvn -B -f tools/kafka/pom.xml dependency:tree"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "mvn ran but no kafka_2.13 jar landed in $tmp"
  libs_stamp >"$tmp/.complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  say "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars"
}

jvm_opts() {
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several options
  echo ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$LOG4J_CONFIG"
}

write_config() {
  sed -e "s|@KAFKA_PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$DATA|g" \
    "$TEMPLATE" >"$CONFIG"
}

# Formats $DATA unless it already holds a KRaft log formatted for these ports (the controller's
# address is part of the stored voter set, so a port change needs a fresh dir).
format_if_needed() {
  local marker="$DATA/.ports" want="$PORT $CONTROLLER_PORT"
  if [ -f "$DATA/meta.properties" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ]; then
    return
  fi
  if [ -d "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
    say "data dir was formatted for other ports (or not at all); starting with a fresh one"
  fi
  rm -rf "$DATA"
  mkdir -p "$DATA"
  local cluster_id
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
  # shellcheck disable=SC2046 # word splitting of the JVM options is intended
  # --cluster-id=…: a random id may start with "-", which would read as an option after a space.
  if ! "$JAVA" $(jvm_opts) -cp "$LIBS/*" kafka.tools.StorageTool format --standalone \
    --cluster-id="$cluster_id" -c "$CONFIG" >"$CACHE/format.log" 2>&1; then
    cat "$CACHE/format.log" >&2
    die "formatting $DATA failed (kafka.tools.StorageTool format --standalone)"
  fi
  echo "$want" >"$marker"
}

cmd_start() {
  local fresh=0
  [ "${1:-}" = "--fresh" ] && fresh=1
  local pid
  if pid="$(running_pid)"; then
    if answers "$PORT"; then
      say "already running (pid $pid) on 127.0.0.1:$PORT"
      return
    fi
    die "a broker started here (pid $pid) is running but does not answer on 127.0.0.1:$PORT;" \
      "stop it first: bash scripts/kafka.sh stop"
  fi
  if answers "$PORT"; then
    die "another Kafka broker already answers on 127.0.0.1:$PORT (not started by this script)." \
      "Use it (KAFKA_BROKERS=127.0.0.1:$PORT) or pick another port: KAFKA_PORT=29092 bash scripts/kafka.sh start"
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_bound "$p"; then
      die "port 127.0.0.1:$p is taken by another program; pick other ports: KAFKA_PORT=29092 bash scripts/kafka.sh start"
    fi
  done
  need_java
  cmd_fetch --quiet
  mkdir -p "$CACHE" "$LOGS"
  [ "$fresh" = 1 ] && rm -rf "$DATA"
  write_config
  format_if_needed
  [ -f "$LOGS/server.log" ] && mv -f "$LOGS/server.log" "$LOGS/server.log.prev"
  local started
  started=$(date +%s)
  # setsid: the broker gets its own session, so a Ctrl-C in the terminal that ran this script (or the
  # end of the calling job) does not hit it; stop it with scripts/kafka.sh stop.
  # shellcheck disable=SC2046 # word splitting of the JVM options is intended
  setsid "$JAVA" $(jvm_opts) -cp "$LIBS/*" kafka.Kafka "$CONFIG" >"$OUT" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  while ! answers "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      show_logs
      die "the broker exited during start-up (see above; full logs in ${LOGS#"$ROOT"/}/server.log and ${OUT#"$ROOT"/})"
    fi
    if [ $(($(date +%s) - started)) -ge "$START_TIMEOUT" ]; then
      show_logs
      terminate "$pid"
      die "the broker did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT);" \
        "it was stopped. Logs: ${LOGS#"$ROOT"/}/server.log, ${OUT#"$ROOT"/}"
    fi
    sleep 0.5
  done
  say "started (pid $pid) on 127.0.0.1:$PORT (controller $CONTROLLER_PORT) in $(($(date +%s) - started))s;" \
    "KAFKA_BROKERS=127.0.0.1:$PORT"
}

# SIGTERM (the broker's controlled shutdown), then SIGKILL if it has not exited after STOP_TIMEOUT.
terminate() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((STOP_TIMEOUT * 2)) ]; then
      say "no exit ${STOP_TIMEOUT}s after SIGTERM (KAFKA_STOP_TIMEOUT); sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  rm -f "$PIDFILE"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    if answers "$PORT"; then
      say "a broker answers on 127.0.0.1:$PORT but was not started by this script (no ${PIDFILE#"$ROOT"/}); left alone"
    else
      say "not running"
    fi
    return
  fi
  terminate "$pid"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid=''
  pid="$(running_pid)" || true
  if answers "$PORT"; then
    if [ -n "$pid" ]; then
      say "running (pid $pid), answering on 127.0.0.1:$PORT"
    else
      say "a broker not started by this script answers on 127.0.0.1:$PORT"
    fi
    return 0
  fi
  if [ -n "$pid" ]; then
    say "process $pid is running but does not answer on 127.0.0.1:$PORT (starting, or stuck; logs in ${LOGS#"$ROOT"/})"
  else
    say "not running (nothing answers on 127.0.0.1:$PORT)"
  fi
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start)
    shift
    cmd_start "$@"
    ;;
  stop) cmd_stop ;;
  restart)
    cmd_stop
    cmd_start
    ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 fetch|start [--fresh]|stop|restart|status   (KAFKA_PORT, default 19092)" >&2
    exit 2
    ;;
esac

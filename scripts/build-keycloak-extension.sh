#!/usr/bin/env bash
# Builds the Keycloak extension (keycloak-extension/, Maven; runs its unit tests) into
# keycloak-extension/target/keycloak-outbound-provisioning.jar. Quick when nothing changed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="$ROOT/keycloak-extension/target/keycloak-outbound-provisioning.jar"
LOG="$ROOT/keycloak-extension/target/build.log"
HINT='apt-get install -y openjdk-17-jdk-headless maven'

command -v mvn >/dev/null 2>&1 || { echo "keycloak-extension: mvn was not found. Fix: $HINT" >&2; exit 1; }
command -v javac >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/javac" ] ||
  { echo "keycloak-extension: no JDK (javac) was found. Fix: $HINT" >&2; exit 1; }

newest_source="$(find "$ROOT/keycloak-extension/src" "$ROOT/keycloak-extension/pom.xml" -newer "$JAR" -print -quit 2>/dev/null || true)"
if [ -f "$JAR" ] && [ -z "$newest_source" ]; then
  echo "keycloak-extension: ${JAR#"$ROOT"/} is up to date"
  exit 0
fi
echo "keycloak-extension: building with Maven (unit tests included)"
mkdir -p "$(dirname "$LOG")"
if ! mvn -B -q -f "$ROOT/keycloak-extension/pom.xml" package >"$LOG" 2>&1; then
  tail -n 40 "$LOG" >&2
  echo "keycloak-extension: the Maven build failed (full log: ${LOG#"$ROOT"/})" >&2
  exit 1
fi
echo "keycloak-extension: built ${JAR#"$ROOT"/} ($(grep -h 'Tests run' "$ROOT"/keycloak-extension/target/surefire-reports/*.txt | awk -F'[:,]' '{n += $2} END {print n}') unit tests passed)"

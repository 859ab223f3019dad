#!/usr/bin/env bash
# Set up everything leadstream needs on a fresh machine, idempotently:
#   - a virtualenv in .venv with leadstream and its dev tools installed, every package at the
#     version requirements.lock pins (pip constraints; `make lock` refreshes the lock);
#   - Debian's redis-server, prometheus, prometheus-alertmanager, a JDK, Maven and chromium
#     (the dashboard's browser tests, driven by Playwright at /usr/bin/chromium: no browser
#     download), installed with apt when missing, as root;
#   - the Apache Kafka jars from Maven Central (resolved by `leadstream stack fetch`).
# Re-running it is cheap: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "leadstream needs Python >= 3.11 (found $("$PY" --version))" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.leadstream-installed
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python dependencies (first run takes a minute or two)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev,dashboard]' -c requirements.lock
  echo "$want" > "$stamp"
fi

apt_install() {  # apt_install PACKAGE...: only as root on Debian/Ubuntu, else explain and fail
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "missing: $* (Debian: sudo apt-get install $*)" >&2
    exit 1
  fi
}

if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
  # Debian starts a system redis on 6379 after install; leadstream runs its own.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
fi
# Prometheus and Alertmanager of the local stack (Debian starts system ones after install:
# leadstream runs its own on 127.0.0.1, like Redis).
for pkg in prometheus prometheus-alertmanager; do
  if ! command -v "$pkg" >/dev/null 2>&1; then
    apt_install "$pkg"
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$pkg" >/dev/null 2>&1 || true; fi
  fi
done
command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null 2>&1 || apt_install maven
command -v chromium >/dev/null 2>&1 || apt_install chromium
java_major=$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1)
[ "${java_major:-0}" -ge 17 ] || { echo "Kafka 4 needs Java 17+ (found: ${java_major:-none})" >&2; exit 1; }
say "resolving the Kafka jars"
.venv/bin/leadstream stack fetch
say "ready"

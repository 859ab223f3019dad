#!/usr/bin/env bash
# Set up everything leadstream needs on a fresh machine, idempotently:
#   - a virtualenv in .venv with leadstream and its dev tools installed;
#   - Debian's redis-server (installed with apt when missing and running as root);
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
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python dependencies (first run takes a minute or two)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  echo "$want" > "$stamp"
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's redis-server"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is missing: install it (Debian: apt-get install redis-server)" >&2
    exit 1
  fi
fi
# Debian starts a system redis on 6379 after install; leadstream runs its own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi

for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing: install a JDK 17+ and Maven" >&2; exit 1; }
done
say "resolving the Kafka jars"
.venv/bin/leadstream stack fetch
say "ready"

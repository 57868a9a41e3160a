#!/usr/bin/env bash
# Install everything the test suite needs and run it:
#   Debian packages (PostgreSQL, Chromium, fonts and libraries for PDF rendering),
#   the virtual environment with pinned dependencies, a throwaway PostgreSQL server,
#   then the checks and the tests.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\n== %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

DEBIAN_PACKAGES=(
  postgresql postgresql-client
  chromium
  fonts-dejavu-core fonts-liberation2
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd
  libtesseract-dev libleptonica-dev pkg-config g++
)

if command -v apt-get >/dev/null; then
  missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

log "installing the project and its pinned dependencies"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v -i warning || true
# tesserocr is built against Debian's Tesseract (and its language data) rather than taken as
# a wheel that bundles a Tesseract of its own.
.venv/bin/python -m pip install -q -c constraints.txt --no-binary tesserocr -e '.[dev]' 2>&1 | grep -v -i warning || true
.venv/bin/python -c "import openimr, spacy, medspacy, weasyprint, psycopg, playwright, tesserocr" 

log "starting a throwaway PostgreSQL server"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
PGPORT=${OPENIMR_TEST_PGPORT:-55432}
if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
  PGDATA=$(mktemp -d /tmp/openimr-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PGDATA"
    PGRUN=(runuser -u postgres --)
  else
    PGRUN=()
  fi
  "${PGRUN[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
  "${PGRUN[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
  stop_pg() { "${PGRUN[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
  trap stop_pg EXIT
  "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "CREATE DATABASE openimr_test" >/dev/null
  export OPENIMR_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/openimr_test"
else
  echo "PostgreSQL is not installed: the PostgreSQL variants of the tests will be skipped" >&2
fi

log "checks"
.venv/bin/ruff check src tests bench
.venv/bin/lint-imports --no-cache
.venv/bin/openimr guidelines lint

log "tests"
# One worker per core, at most four (each test has its own SQLite file or PostgreSQL schema and
# its own ports; more workers than that only crowd the database server and the browsers).
.venv/bin/pytest -q -p no:cacheprovider --numprocesses=auto --maxprocesses=4 "$@"

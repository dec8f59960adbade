#!/usr/bin/env bash
# Runs Switchboard's whole test suite on a fresh machine: installs and starts what the tests
# need (PostgreSQL, Redis, cargo-nextest) when it is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# PostgreSQL: the tests create and drop one database per test through TEST_DATABASE_URL.
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_ready; then
  if ! command -v pg_ctlcluster >/dev/null; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  log "starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  pg_ready || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
if ! psql "$TEST_DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1; then
  # A fresh Debian cluster asks TCP clients for a password: give the postgres role one.
  log "setting a password for the local postgres role"
  as_root su postgres -c "psql -qc \"alter role postgres password 'postgres'\"" >/dev/null
  export TEST_DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/postgres"
  psql "$TEST_DATABASE_URL" -Atqc 'select 1' >/dev/null
fi

# Redis: the bus contract and the multi-node tests use it.
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
redis_ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_ready; then
  if ! command -v redis-server >/dev/null; then
    log "installing Redis"
    apt_install redis-server
  fi
  log "starting Redis"
  mkdir -p /tmp/switchboard-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/switchboard-redis --logfile /tmp/switchboard-redis/redis.log
  for _ in $(seq 1 30); do redis_ready && break; sleep 0.5; done
  redis_ready || { echo "Redis did not start" >&2; exit 1; }
fi

# Offline stand-ins for messaging providers (the Telegram Bot API emulator), from npm.
if ! command -v node >/dev/null; then
  log "installing Node.js"
  apt_install nodejs npm
fi
if [ ! -d tests/peers/node_modules ] || [ tests/peers/package-lock.json -nt tests/peers/node_modules ]; then
  log "installing the test peers"
  npm ci --prefix tests/peers --no-audit --no-fund --loglevel=error
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# Incremental artefacts only slow CI's from-scratch build; developers keep theirs.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi
# The services were just checked, so a missing one fails the tests instead of skipping them.
export CI="${CI:-true}"

log "running the test suite"
cargo nextest run --workspace --locked --no-fail-fast

# Browser tests of the web app: the real binary and Debian's chromium, driven by
# playwright-core (an npm dev dependency of web/tests only). chromium is ~130 MB, so it is
# installed only when missing; a machine where it cannot be installed fails here.
if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium"
  apt_install chromium
fi
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing: the browser tests cannot run" >&2; exit 1; }
if ! command -v node >/dev/null; then
  log "installing Node.js"
  apt_install nodejs npm
fi
if [ ! -d web/tests/node_modules ] || [ web/tests/package-lock.json -nt web/tests/node_modules ]; then
  log "installing the browser test tools"
  npm ci --prefix web/tests --no-audit --no-fund --loglevel=error
fi
log "building the server for the browser tests"
cargo build -p gateway --locked
log "running the browser tests"
node --test web/tests/

# Services for scripts/test: reuse what runs on 127.0.0.1, else start private copies.
# shellcheck shell=bash

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  echo "==> Installing Debian's Chromium for the browser tests"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Chromium is missing and this is not root: run 'sudo apt-get install chromium'." >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    PG_URL="postgres://postgres@127.0.0.1:5432/mmprivacy"
    return 0
  fi
  local bin data="$ROOT/var/pg" port=55432
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ]; then
    echo "No PostgreSQL on 127.0.0.1:5432 and no server installed: apt-get install postgresql." >&2
    return 1
  fi
  echo "==> Starting a private PostgreSQL on port $port (var/pg)"
  mkdir -p "$data"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$data"; as=(runuser -u postgres --); fi
  [ -f "$data/PG_VERSION" ] || "${as[@]}" "$bin/initdb" -D "$data" -U postgres -A trust >/dev/null
  pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null ||
    "${as[@]}" "$bin/pg_ctl" -D "$data" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" \
      -l "$data/log" -w start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$port/mmprivacy"
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    REDIS_TEST_URL="redis://127.0.0.1:6379/15"
    return 0
  fi
  local port=56379
  if ! command -v redis-server >/dev/null; then
    echo "No Redis on 127.0.0.1:6379 and redis-server is not installed: apt-get install redis-server." >&2
    return 1
  fi
  echo "==> Starting a private Redis on port $port"
  redis-cli -p "$port" ping >/dev/null 2>&1 ||
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$ROOT/var" --logfile "$ROOT/var/redis.log"
  REDIS_TEST_URL="redis://127.0.0.1:$port/15"
}

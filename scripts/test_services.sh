#!/usr/bin/env bash
# Make sure the test suite has a real PostgreSQL 15, a real Redis, Chromium and docker-compose (to
# validate docker-compose.yml), then write var/test.env for the tests. Idempotent: what is installed
# or running is left alone.
#
# DATABASE_URL and REDIS_URL, when set, are used as they are and nothing is started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
svc="$root/var/services"
pg_port=${TEST_PG_PORT:-54329}
redis_port=${TEST_REDIS_PORT:-6390}
pg_bin=/usr/lib/postgresql/15/bin

need=()
[ -n "${DATABASE_URL:-}" ] || [ -x "$pg_bin/initdb" ] || need+=(postgresql-15)
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || [ -n "${CHROMIUM_PATH:-}" ] || need+=(chromium)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v msgfmt >/dev/null || need+=(gettext)
command -v wrk >/dev/null || need+=(wrk)  # make bench's load tool (P1)
# A Chinese font, so screenshots of Chinese pages show characters rather than empty boxes.
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${need[*]} with apt-get ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "The tests need these system packages: ${need[*]}" >&2
    echo "Install them (Debian: sudo apt-get install ${need[*]}) or set DATABASE_URL / REDIS_URL." >&2
    exit 1
  fi
fi

database_url=${DATABASE_URL:-}
if [ -z "$database_url" ]; then
  install -d -o postgres -g postgres -m 755 "$svc/pg" 2>/dev/null || mkdir -p "$svc/pg"
  as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
  if [ ! -f "$svc/pg/data/PG_VERSION" ]; then
    as_pg "$pg_bin/initdb" -D "$svc/pg/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$pg_bin/pg_ctl" -D "$svc/pg/data" status >/dev/null 2>&1; then
    # A throwaway test cluster: durability off for speed. Never for real data.
    as_pg "$pg_bin/pg_ctl" -D "$svc/pg/data" -l "$svc/pg/log" -w -o \
      "-p $pg_port -k $svc/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
  fi
  as_pg psql -h "$svc/pg" -p "$pg_port" -U postgres -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE community LOGIN CREATEDB PASSWORD ''community-test'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'community')\gexec
SELECT 'CREATE DATABASE community OWNER community'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'community')\gexec
SQL
  database_url="postgres://community:community-test@127.0.0.1:$pg_port/community"
fi

redis_url=${REDIS_URL:-}
if [ -z "$redis_url" ]; then
  mkdir -p "$svc/redis"
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --dir "$svc/redis" \
      --pidfile "$svc/redis/redis.pid" --logfile "$svc/redis/redis.log" --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis_url="redis://127.0.0.1:$redis_port/0"
fi

mkdir -p var  # also when DATABASE_URL and REDIS_URL point elsewhere and nothing else made it
cat > var/test.env <<ENV
DATABASE_URL=$database_url
REDIS_URL=$redis_url
DEBUG=false
HTTPS=false
STATIC_MANIFEST=false
SECRET_KEY=test-only-not-secret-$(echo "$root" | md5sum | cut -c1-24)
ALLOWED_HOSTS=localhost,127.0.0.1,testserver
EMAIL_URL=consolemail://
CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}
ENV
echo "Test services ready: PostgreSQL and Redis (var/test.env)."

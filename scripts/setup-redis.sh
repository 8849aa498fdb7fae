#!/usr/bin/env bash
# Make sure a Redis server answers for the tests that share tokens and budgets between processes.
# Uses GROOTBOEK_REDIS_URL when set (and fails if it does not answer); otherwise 127.0.0.1:6379,
# installing and starting redis-server there if nothing answers.
set -euo pipefail

if [[ -n "${GROOTBOEK_REDIS_URL:-}" ]]; then
  if ! redis-cli -u "$GROOTBOEK_REDIS_URL" ping >/dev/null 2>&1; then
    echo "GROOTBOEK_REDIS_URL is set but Redis does not answer there" >&2
    exit 1
  fi
  exit 0
fi

if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server" >&2
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "redis-server did not start on 127.0.0.1:6379" >&2
exit 1

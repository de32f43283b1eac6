#!/usr/bin/env bash
# Runs every test: installs redis-server if missing (Debian), starts it on a free
# loopback port for the store tests, checks formatting and vet, runs go test
# (the chaos drill and the small-scale benchmarks last, alone), then fuzzes
# each input parser for a short while.
# Extra arguments go to go test (e.g. ./test.sh -run Restart -v).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v redis-server >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
go mod download

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 16379)
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no >"$dir/redis.log" 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
export QUNSU_TEST_REDIS_URL="redis://127.0.0.1:$port/0"

test -z "$(gofmt -l $(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $(git ls-files '*.go'); exit 1; }
go vet ./...
if [ $# -gt 0 ]; then
  go test "$@"
  exit
fi
# The chaos drill and the benchmarks (at a small scale: it checks the harness
# and what must hold at any speed) run alone, after the rest: their processes
# would otherwise share the machine with the timing-sensitive platform tests.
go test $(go list ./... | grep -v -e '/chaos$' -e '/bench$')
go test ./chaos
go test ./bench
# Then every input parser is fuzzed briefly (longer: FUZZTIME=1m scripts/fuzz).
FUZZTIME=${FUZZTIME:-2s} scripts/fuzz

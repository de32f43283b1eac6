# Tests, drills and benchmarks. `make test` is what CI runs; `make chaos` is
# the long chaos drill (about three minutes), which prints its account of the
# run; `make bench` prints the benchmark report of BENCHMARKS.md (about ten
# minutes; keep the machine otherwise quiet). BENCHFLAGS adds flags, e.g.
# BENCHFLAGS=-bench.pprof=/tmp/prof for CPU profiles of a process under load.
.PHONY: test chaos bench redis-server

test:
	./test.sh

chaos: redis-server
	go test ./chaos -run TestChaos -count=1 -v -timeout 20m -chaos.long

bench: redis-server
	go test ./bench -run TestBench -count=1 -v -timeout 60m -args -bench.full $(BENCHFLAGS)

# The drill starts and kills its own redis-server; install it if missing (Debian).
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

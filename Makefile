# Tests and drills. `make test` is what CI runs; `make chaos` is the long chaos
# drill (about three minutes), which prints its account of the run.
.PHONY: test chaos redis-server

test:
	./test.sh

chaos: redis-server
	go test ./chaos -run TestChaos -count=1 -v -timeout 20m -chaos.long

# The drill starts and kills its own redis-server; install it if missing (Debian).
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

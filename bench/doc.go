// Package bench measures qunsu against floors and peers, run as a test that
// prints a report: ack latency of signed Slack and encrypted WeCom requests
// next to a floor server; reminder lateness with a million pending deadlines,
// three `qunsu serve` processes and one of them SIGKILLed, next to
// github.com/hibiken/asynq on the same Redis; idle cost; summary build time;
// catching up after downtime; and the processes' peak memory.
//
//	make bench                                     the full run (BENCHMARKS.md)
//	go test ./bench                                the same at a small scale: checks the harness (./test.sh runs it)
//	go test ./bench -run TestBench -v -args -bench.full -bench.only=catch-up -bench.pprof=/tmp/prof
//	                                               one step, with CPU profiles and goroutine dumps of a process
//
// Every figure comes from the run that prints it: ratios are against a
// baseline measured in the same run, on the same machine. Timing targets are
// reported, not asserted; what is asserted is what must hold at any speed (no
// reminder early, doubled or missed).
package bench

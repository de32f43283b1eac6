// Package chaos is qunsu's chaos drill, run as a test: three `qunsu serve`
// processes share one redis-server (AOF, fsync on every write) and a
// simulated clock, take signed Slack and encrypted WeCom requests at a steady
// rate (platform retries sent to two replicas, forged, stale, tampered and
// replayed requests among them) while a replica and then Redis are killed and
// started again; then every report, reminder and message is accounted for
// against what the local Slack and WeCom received. Nothing may be lost or
// posted twice.
//
//	go test ./chaos                               the short drill (about 40 s; ./test.sh runs it)
//	go test ./chaos -run TestChaos -v -chaos.long  the long drill (make chaos)
//
// A failed drill keeps the replicas' logs and names the directory; CHAOS_KEEP=1
// keeps them after a passing one too.
package chaos

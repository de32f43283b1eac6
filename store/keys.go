package store

// Every key of a tenant carries the hash tag {t:<tenant>}, so one Lua script can
// touch all of them on Redis Cluster while tenants spread over the slots.

func tag(tenant string) string { return "{t:" + tenant + "}" }

func complaintKey(tenant, id string) string { return tag(tenant) + ":c:" + id }       // hash: v (version), j (JSON)
func timelineKey(tenant, id string) string  { return tag(tenant) + ":tl:" + id }      // list of event JSON
func allKey(tenant string) string           { return tag(tenant) + ":all" }           // zset id -> reported ms
func openKey(tenant string) string          { return tag(tenant) + ":open" }          // zset id -> reported ms, not dissolved
func seqKey(tenant, day string) string      { return tag(tenant) + ":seq:" + day }    // counter of a day's ids
func timersKey(tenant string) string        { return tag(tenant) + ":timers" }        // zset member -> due ms
func inflightKey(tenant string) string      { return tag(tenant) + ":inflight" }      // zset member -> lease end ms
func wakeChannel(tenant string) string      { return tag(tenant) + ":wake" }          // pub/sub: a timer due before the queue's head
func rolesChannel(tenant string) string     { return tag(tenant) + ":roles:changed" } // pub/sub: the directory was changed by command
func dueKey(tenant string) string           { return tag(tenant) + ":due" }           // hash member -> due ms, while in flight
func outboxKey(tenant string) string        { return tag(tenant) + ":outbox" }        // stream: k (idempotency key), m (message JSON)
func inboxKey(tenant string) string         { return tag(tenant) + ":inbox" }         // stream: m (inbound JSON)
func inboxDeadKey(tenant string) string     { return tag(tenant) + ":inbox:dead" }    // list of entries set aside (JSON)
func onceKey(tenant, key string) string     { return tag(tenant) + ":once:" + key }
func memoryKey(tenant, key string) string   { return tag(tenant) + ":mem:" + key }   // a platform adapter's fact
func rolesKey(tenant string) string         { return tag(tenant) + ":roles" }        // list of qunsu.RoleChange JSON, oldest first
func quotaKey(tenant, key string) string    { return tag(tenant) + ":quota:" + key } // zset of uses in a rate window

// seenKey marks an inbound message accepted; handledKey marks it acted on.
func seenKey(tenant, inbound string) string    { return tag(tenant) + ":seen:" + inbound }
func handledKey(tenant, inbound string) string { return tag(tenant) + ":handled:" + inbound }

// The life of one outgoing message on one platform: being posted (lock), tried
// at (try), posted (sent); or refused for good (a dead-letter list per platform).
func sentKey(tenant, platform, key string) string {
	return tag(tenant) + ":sent:" + platform + ":" + key
}
func lockKey(tenant, platform, key string) string {
	return tag(tenant) + ":lock:" + platform + ":" + key
}
func tryKey(tenant, platform, key string) string { return tag(tenant) + ":try:" + platform + ":" + key }
func deadKey(tenant, platform string) string     { return tag(tenant) + ":dead:" + platform }

// The complaints closed (in aftercare or dissolved), by close time, for
// summaries and the monthly report; built is set once the index holds those closed before it
// existed.
func closedKey(tenant string) string      { return tag(tenant) + ":closed" }       // zset id -> closed ms
func closedBuiltKey(tenant string) string { return tag(tenant) + ":closed:built" } // string "1"

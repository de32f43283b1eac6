package store

import "github.com/redis/go-redis/v9"

// commitScript writes one qunsu.Change atomically.
//
// KEYS: 1 complaint hash, 2 timeline, 3 all index, 4 open index, 5 timers,
// 6 inflight, 7 due hash, 8 outbox, 9 once key, 10 handled key, 11 role changes,
// 12 closed index, 13 inbox.
// ARGV 2 is the tenant's wake-up channel: a timer due before every queued one
// is published there, so that pollers asleep until the old head look again.
// ARGV 3 is the tenant's roles channel, told of every change of the directory.
// ARGV 4 is the complaint's JSON (already carrying expect+1), and ARGV 5 on
// the messages' JSON, in the order of their keys: arguments of their own, so
// that neither side escapes and parses kilobytes of JSON within JSON.
//
//	ARGV: 1 payload JSON {
//	  has: "1" if a complaint is saved, expect: version read,
//	  id, score: reported ms, open: "1"/"0", closed: closed ms or "" (not closed),
//	  once: "1" if KEYS[9] applies, handles: "1" if KEYS[10] applies,
//	  events: [JSON], schedule: [[member, ms]], unschedule: [member],
//	  claimed: member or "", messages: [[key, the one platform it is for or ""]],
//	  roles: [JSON], finishes: an inbox entry id or "", inbox_group }
//
// Returns "ok", "handled" (the inbound message was acted on: nothing written),
// "conflict" (version moved: nothing written) or "once" (the once key was taken:
// role changes, events and messages skipped, timers still applied). The inbox
// entry a change finishes is acknowledged and deleted with "ok" and "once",
// the results Commit reports as success.
var commitScript = redis.NewScript(`
local p = cjson.decode(ARGV[1])
if p.handles == "1" and redis.call("EXISTS", KEYS[10]) == 1 then return "handled" end
if p.has == "1" then
  local v = tonumber(redis.call("HGET", KEYS[1], "v") or "0")
  if v ~= tonumber(p.expect) then return "conflict" end
  redis.call("HSET", KEYS[1], "v", v + 1, "j", ARGV[4])
  redis.call("ZADD", KEYS[3], p.score, p.id)
  if p.open == "1" then redis.call("ZADD", KEYS[4], p.score, p.id) else redis.call("ZREM", KEYS[4], p.id) end
  if p.closed ~= "" then redis.call("ZADD", KEYS[12], p.closed, p.id) else redis.call("ZREM", KEYS[12], p.id) end
end
for _, m in ipairs(p.unschedule) do redis.call("ZREM", KEYS[5], m) end
if #p.schedule > 0 then
  local head = redis.call("ZRANGE", KEYS[5], 0, 0, "WITHSCORES")[2]
  local earliest = nil
  for _, s in ipairs(p.schedule) do
    redis.call("ZADD", KEYS[5], s[2], s[1])
    local due = tonumber(s[2])
    if earliest == nil or due < earliest then earliest = due end
  end
  if head == nil or earliest < tonumber(head) then redis.call("PUBLISH", ARGV[2], string.format("%d", earliest)) end
end
if p.claimed ~= "" then
  redis.call("ZREM", KEYS[6], p.claimed)
  redis.call("HDEL", KEYS[7], p.claimed)
end
if p.handles == "1" then redis.call("SET", KEYS[10], "1", "EX", 259200) end
if p.finishes ~= "" then
  redis.call("XACK", KEYS[13], p.inbox_group, p.finishes)
  redis.call("XDEL", KEYS[13], p.finishes)
end
if p.once == "1" and not redis.call("SET", KEYS[9], "1", "NX", "EX", 3456000) then return "once" end
for _, r in ipairs(p.roles) do redis.call("RPUSH", KEYS[11], r) end
if #p.roles > 0 then redis.call("PUBLISH", ARGV[3], "1") end
for _, e in ipairs(p.events) do redis.call("RPUSH", KEYS[2], e) end
for i, m in ipairs(p.messages) do redis.call("XADD", KEYS[8], "*", "k", m[1], "p", m[2], "m", ARGV[4 + i]) end
return "ok"
`)

// claimScript leases due timers.
//
// KEYS: 1 timers, 2 inflight, 3 due hash.
// ARGV: 1 now ms, 2 lease end ms, 3 max.
// First takes back timers whose lease ended (their holder died), then moves
// timers due at or before now from timers to inflight. The original due time is
// kept in the due hash while in flight. Returns [member, due ms, ...]; never a
// timer due after now.
var claimScript = redis.NewScript(`
local out = {}
local max = tonumber(ARGV[3])
local expired = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", ARGV[1], "LIMIT", 0, max)
for _, m in ipairs(expired) do
  redis.call("ZADD", KEYS[2], ARGV[2], m)
  table.insert(out, m)
  table.insert(out, redis.call("HGET", KEYS[3], m) or ARGV[1])
end
if #expired < max then
  local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "WITHSCORES", "LIMIT", 0, max - #expired)
  for i = 1, #due, 2 do
    redis.call("ZREM", KEYS[1], due[i])
    redis.call("ZADD", KEYS[2], ARGV[2], due[i])
    redis.call("HSET", KEYS[3], due[i], due[i + 1])
    table.insert(out, due[i])
    table.insert(out, due[i + 1])
  end
end
return out
`)

// acceptScript queues an inbound message once.
//
// KEYS: 1 seen key of the message, 2 inbox stream.
// ARGV: 1 inbound JSON, 2 seconds the seen mark is kept.
// Returns 1 if queued, 0 if the message was seen before.
var acceptScript = redis.NewScript(`
if not redis.call("SET", KEYS[1], "1", "NX", "EX", ARGV[2]) then return 0 end
redis.call("XADD", KEYS[2], "*", "m", ARGV[1])
return 1
`)

// acceptTakeScript is acceptScript that then gives the next new entry of the
// inbox (the one just queued, unless older ones wait) to a consumer, so that
// the process which took the request acts on it without reading it back.
//
// KEYS: 1 seen key of the message, 2 inbox stream.
// ARGV: 1 inbound JSON, 2 seconds the seen mark is kept, 3 group, 4 consumer.
// Returns {0} if the message was seen before; {1} if queued and nothing was
// given (the group is not made yet: the intake's first read makes it);
// {1, entry id} if the entry given is the one queued, or {1, entry id,
// inbound JSON} if it is an older one.
var acceptTakeScript = redis.NewScript(`
if not redis.call("SET", KEYS[1], "1", "NX", "EX", ARGV[2]) then return {0} end
local queued = redis.call("XADD", KEYS[2], "*", "m", ARGV[1])
local got = redis.pcall("XREADGROUP", "GROUP", ARGV[3], ARGV[4], "COUNT", 1, "STREAMS", KEYS[2], ">")
if type(got) ~= "table" or got.err or #got == 0 then return {1} end
local entry = got[1][2][1]
if entry[1] == queued then return {1, queued} end
local fields = entry[2]
for i = 1, #fields, 2 do
  if fields[i] == "m" then return {1, entry[1], fields[i + 1]} end
end
return {1, entry[1], ""}
`)

// doneInboundScript acknowledges inbox entries and deletes them.
//
// KEYS: 1 inbox. ARGV: 1 group, 2… entry ids.
var doneInboundScript = redis.NewScript(`
local ids = {unpack(ARGV, 2)}
redis.call("XACK", KEYS[1], ARGV[1], unpack(ids))
redis.call("XDEL", KEYS[1], unpack(ids))
return "ok"
`)

// setAsideInboundScript moves an inbox entry to the inbox's dead-letter list,
// unless it was finished meanwhile (a slow worker's commit got there first):
// then it is only acknowledged, if it was not yet.
//
// KEYS: 1 the dead-letter list, 2 inbox, 3 the message's handled mark.
// ARGV: 1 group, 2 entry id, 3 reason, 4 when (RFC 3339).
// Returns 1 if the entry was set aside, 0 if it was finished.
var setAsideInboundScript = redis.NewScript(`
local e = redis.call("XRANGE", KEYS[2], ARGV[2], ARGV[2])
if redis.call("XACK", KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call("XDEL", KEYS[2], ARGV[2])
if redis.call("EXISTS", KEYS[3]) == 1 then return 0 end
local m = ""
if #e > 0 then
  local f = e[1][2]
  for i = 1, #f, 2 do
    if f[i] == "m" then m = f[i + 1] end
  end
end
redis.call("RPUSH", KEYS[1], cjson.encode({at = ARGV[4], entry = ARGV[2], reason = ARGV[3], m = m}))
return 1
`)

// beginSendScript claims the posting of one message on one platform for one
// sender; the sender that holds the claim may call it again to extend it.
//
// KEYS: 1 sent mark, 2 lock, 3 try mark.
// ARGV: 1 now ms, 2 lease ms, 3 seconds the try mark is kept, 4 the sender.
// Returns {state, tried ms}: "done" (posted already), "busy" (held by another
// sender), "resumed" (tried before at tried ms, outcome unknown) or "fresh".
var beginSendScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then return {"done", ""} end
local holder = redis.call("GET", KEYS[2])
if holder and holder ~= ARGV[4] then return {"busy", ""} end
redis.call("SET", KEYS[2], ARGV[4], "PX", ARGV[2])
local tried = redis.call("GET", KEYS[3])
if tried then return {"resumed", tried} end
redis.call("SET", KEYS[3], ARGV[1], "EX", ARGV[3])
return {"fresh", ""}
`)

// finishSendScript records a posted message and acknowledges its entry; it
// releases the claim only if this sender still holds it.
//
// KEYS: 1 sent mark, 2 lock, 3 try mark, 4 outbox.
// ARGV: 1 seconds the sent mark is kept, 2 the sender, 3 the group, 4 the entry id.
var finishSendScript = redis.NewScript(`
redis.call("SET", KEYS[1], "1", "EX", ARGV[1])
if redis.call("GET", KEYS[2]) == ARGV[2] then redis.call("DEL", KEYS[2]) end
redis.call("DEL", KEYS[3])
redis.call("XACK", KEYS[4], ARGV[3], ARGV[4])
return "ok"
`)

// buryScript sets a refused message aside and acknowledges its entry; it
// releases the claim only if this sender holds it.
//
// KEYS: 1 dead-letter list, 2 lock, 3 outbox.
// ARGV: 1 dead letter JSON, 2 list length kept, 3 the sender, 4 the group, 5 the entry id.
var buryScript = redis.NewScript(`
redis.call("LPUSH", KEYS[1], ARGV[1])
redis.call("LTRIM", KEYS[1], 0, tonumber(ARGV[2]) - 1)
if redis.call("GET", KEYS[2]) == ARGV[3] then redis.call("DEL", KEYS[2]) end
redis.call("XACK", KEYS[3], ARGV[4], ARGV[5])
return "ok"
`)

// takeScript uses rate limits all or none (sliding windows).
//
// KEYS: one zset per limit, of the uses in its window.
// ARGV: 1 now ms, 2 a member unique to this use, then per limit: max, window ms.
// Returns 0 when every limit had room (a use is recorded in each), else the ms
// until all would have room (nothing is recorded).
var takeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local max, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call("ZREMRANGEBYSCORE", key, "-inf", now - window)
  if redis.call("ZCARD", key) >= max then
    local oldest = redis.call("ZRANGE", key, 0, 0, "WITHSCORES")
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call("ZADD", key, now, ARGV[2])
  redis.call("PEXPIRE", key, tonumber(ARGV[2 + 2 * i]))
end
return 0
`)

// trimScript deletes the outbox entries every consumer group has finished
// with and that are older than a given id.
//
// KEYS: 1 outbox. ARGV: 1 the id entries must be older than.
// A group has finished with every entry before its oldest pending one, or,
// with none pending, before the last it read. Without any group nothing goes:
// no platform has read anything yet. Returns how many entries went.
var trimScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
local groups = redis.call("XINFO", "GROUPS", KEYS[1])
if #groups == 0 then return 0 end
local function before(a, b)
  local am, as = string.match(a, "^(%d+)-(%d+)$")
  local bm, bs = string.match(b, "^(%d+)-(%d+)$")
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local floor = ARGV[1]
for _, g in ipairs(groups) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local oldest = f["last-delivered-id"]
  if tonumber(f["pending"]) > 0 then
    local p = redis.call("XPENDING", KEYS[1], f["name"])
    if before(p[2], oldest) then oldest = p[2] end
  end
  if before(oldest, floor) then floor = oldest end
end
return redis.call("XTRIM", KEYS[1], "MINID", floor)
`)

// receiveScript reads new outbox entries for a platform's consumer group and
// acknowledges, unread, those that are another platform's only.
//
// KEYS: 1 outbox. ARGV: 1 the group (the platform), 2 the consumer, 3 how many.
// Returns {id, message JSON, ...}, false in place of the JSON of another
// platform's message; an error reply if the group is missing.
var receiveScript = redis.NewScript(`
local got = redis.pcall("XREADGROUP", "GROUP", ARGV[1], ARGV[2], "COUNT", ARGV[3], "STREAMS", KEYS[1], ">")
if type(got) == "table" and got.err then return got end
if not got then return {} end
local out, others = {}, {}
for _, e in ipairs(got[1][2]) do
  local f, only, m = e[2], "", false
  for i = 1, #f, 2 do
    if f[i] == "p" then only = f[i + 1] elseif f[i] == "m" then m = f[i + 1] end
  end
  table.insert(out, e[1])
  if only ~= "" and only ~= ARGV[1] then
    table.insert(others, e[1])
    table.insert(out, false)
  else
    table.insert(out, m or "")
  end
end
if #others > 0 then redis.call("XACK", KEYS[1], ARGV[1], unpack(others)) end
return out
`)

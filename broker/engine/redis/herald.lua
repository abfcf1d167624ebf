#!lua name=herald_v2
-- Herald's topics in Redis: every change to a topic is one of these functions, so it is
-- atomic, and survives a Redis restart with the data (FUNCTION LOAD persists them, unlike
-- the script cache). Names carry the library version: nodes of two releases can share one
-- Redis while they roll.
--
-- Keys of topic T under prefix P (T has no braces, so {T} is its cluster hash tag):
--   P{T}:meta   hash: epoch, next (offset of the next event), bytes (retained), last_ms,
--               max_events, max_bytes, max_age_ms, browser (1: browsers may publish),
--               max_subscribers (per node; 0 or absent: no limit; since herald_v2)
--   P{T}:log    stream: one entry per retained event, id "<offset>-0", fields t (type),
--               d (data), ms (publish time), k (dedup key, when given)
--   P{T}:dedup  hash: dedup key -> offset of the retained event published with it
--   Ptopics     set: every topic name
--   Pbehind     sorted set: nodes whose fan-out is behind, scored by when that expires
--               (Redis time, ms); publishers on every node pause while it is not empty
--   Pmarker     a random value written once: when it changes or vanishes, Redis lost its
--               data (restarted empty, flushed), and nodes write their topics back rather
--               than take their absence for deletions
-- Functions that change a topic take KEYS meta, log, dedup, topics, marker and ARGV channel,
-- topic, then their own arguments.
-- Pub/sub messages on the channel (an argument; channels are not keys):
--   E|<epoch>|<offset>|<ms>|<first retained>|<topic>|<type length>|<type><data>
--   T|<topic>   the topic was created, reconfigured, rotated to a new epoch, or deleted

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function load_meta(key)
  local v = redis.call('HMGET', key, 'epoch', 'next', 'bytes', 'last_ms', 'max_events',
                       'max_bytes', 'max_age_ms', 'browser', 'max_subscribers')
  if not v[1] then return nil end
  -- A topic written by herald_v1 has no max_subscribers.
  return {epoch = tonumber(v[1]), next = tonumber(v[2]), bytes = tonumber(v[3]),
          last_ms = tonumber(v[4]), max_events = tonumber(v[5]), max_bytes = tonumber(v[6]),
          max_age_ms = tonumber(v[7]), browser = v[8], max_subscribers = tonumber(v[9] or '0')}
end

local function save_config(key, max_events, max_bytes, max_age_ms, browser, max_subscribers)
  redis.call('HSET', key, 'max_events', max_events, 'max_bytes', max_bytes,
             'max_age_ms', max_age_ms, 'browser', browser, 'max_subscribers', max_subscribers)
end

local function offset_of(id)
  return tonumber(string.match(id, '^(%d+)'))
end

-- The log holds consecutive offsets [first, next): it is trimmed from its oldest end only.
local function first_retained(log, next)
  return next - redis.call('XLEN', log)
end

-- Drops the oldest events while retention (the same rule as broker/core/retention.cc)
-- says so, keeping the dedup keys of what stays; the common case, a count bound not
-- reached, reads no event. Returns the retained count; m.bytes follows.
local function trim(keys, m, now)
  local len = redis.call('XLEN', keys[2])
  local bounded = m.max_bytes > 0 or m.max_age_ms > 0
  while len > 0 and (len > m.max_events or bounded) do
    local oldest = redis.call('XRANGE', keys[2], '-', '+', 'COUNT', 1)[1]
    local f = oldest[2]
    local too_many = len > m.max_events
    local too_big = m.max_bytes > 0 and m.bytes > m.max_bytes
    local too_old = m.max_age_ms > 0 and tonumber(f[6]) < now - m.max_age_ms
    if not (too_many or too_big or too_old) then break end
    redis.call('XDEL', keys[2], oldest[1])
    m.bytes = m.bytes - #f[2] - #f[4]
    if f[8] and redis.call('HGET', keys[3], f[8]) == tostring(offset_of(oldest[1])) then
      redis.call('HDEL', keys[3], f[8])
    end
    len = len - 1
  end
  return len
end

local function create(keys, topic, epoch, next, max_events, max_bytes, max_age_ms, browser,
                      max_subscribers)
  redis.call('HSET', keys[1], 'epoch', epoch, 'next', next, 'bytes', 0, 'last_ms', 0)
  save_config(keys[1], max_events, max_bytes, max_age_ms, browser, max_subscribers)
  redis.call('SADD', keys[4], topic)
  return load_meta(keys[1])
end

-- A new history: nothing retained, offsets continuing from `next`.
local function rotate(keys, m, epoch, next)
  redis.call('DEL', keys[2], keys[3])
  m.epoch, m.next, m.bytes = epoch, next, 0
  redis.call('HSET', keys[1], 'epoch', epoch, 'next', next, 'bytes', 0)
end

local function event_reply(m, offset, ms, duplicate, first, type, data)
  return {m.epoch, offset, ms, duplicate, first, type, data}
end

-- ARGV ..., type, data, dedup_key, seen_epoch, seen_next, fresh_epoch, auto_create,
-- max_events, max_bytes, max_age_ms.
-- seen_*: where the publishing node stands; a Redis behind it in the same epoch lost events
-- (restarted from an older snapshot), so the topic moves to fresh_epoch before the append
-- rather than hand out offsets the node has already delivered.
local function publish(keys, args)
  local channel, topic, type, data, dedup_key = args[1], args[2], args[3], args[4], args[5]
  local seen_epoch, seen_next, fresh_epoch = tonumber(args[6]), tonumber(args[7]), tonumber(args[8])
  local m = load_meta(keys[1])
  if not m then
    if args[9] ~= '1' then return redis.error_reply('NOTFOUND topic does not exist') end
    m = create(keys, topic, fresh_epoch, math.max(seen_next, 1), args[10], args[11], args[12], '0',
               '0')
    redis.call('PUBLISH', channel, 'T|' .. topic)
  elseif m.epoch == seen_epoch and m.next < seen_next then
    rotate(keys, m, fresh_epoch, seen_next)
    redis.call('PUBLISH', channel, 'T|' .. topic)
  end
  if dedup_key ~= '' then
    local o = redis.call('HGET', keys[3], dedup_key)
    if o then
      local e = redis.call('XRANGE', keys[2], o .. '-0', o .. '-0')[1]
      if e then
        return event_reply(m, tonumber(o), tonumber(e[2][6]), 1,
                           first_retained(keys[2], m.next), e[2][2], e[2][4])
      end
    end
  end
  local offset = m.next
  local ms = math.max(now_ms(), m.last_ms)
  if dedup_key ~= '' then
    redis.call('XADD', keys[2], offset .. '-0', 't', type, 'd', data, 'ms', ms, 'k', dedup_key)
    redis.call('HSET', keys[3], dedup_key, offset)
  else
    redis.call('XADD', keys[2], offset .. '-0', 't', type, 'd', data, 'ms', ms)
  end
  m.next, m.last_ms, m.bytes = offset + 1, ms, m.bytes + #type + #data
  local first = m.next - trim(keys, m, ms)
  redis.call('HSET', keys[1], 'next', m.next, 'last_ms', ms, 'bytes', m.bytes)
  redis.call('PUBLISH', channel, table.concat({'E', m.epoch, offset, ms, first, topic, #type,
                                               type .. data}, '|'))
  return event_reply(m, offset, ms, 0, first, '', '')
end

-- ARGV ..., epoch, next, max_events, max_bytes, max_age_ms, browser, max_subscribers.
-- Returns {epoch, marker}.
local function create_topic(keys, args)
  if redis.call('EXISTS', keys[1]) == 1 then return redis.error_reply('EXISTS topic exists') end
  local m = create(keys, args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9])
  redis.call('PUBLISH', args[1], 'T|' .. args[2])
  return {m.epoch, redis.call('GET', keys[5]) or ''}
end

-- ARGV ..., max_events, max_bytes, max_age_ms, browser, max_subscribers.
local function update_topic(keys, args)
  local m = load_meta(keys[1])
  if not m then return redis.error_reply('NOTFOUND topic does not exist') end
  save_config(keys[1], args[3], args[4], args[5], args[6], args[7])
  m = load_meta(keys[1])
  trim(keys, m, now_ms())
  redis.call('HSET', keys[1], 'bytes', m.bytes)
  redis.call('PUBLISH', args[1], 'T|' .. args[2])
  return m.epoch
end

local function delete_topic(keys, args)
  if redis.call('EXISTS', keys[1]) == 0 then return redis.error_reply('NOTFOUND topic does not exist') end
  redis.call('DEL', keys[1], keys[2], keys[3])
  redis.call('SREM', keys[4], args[2])
  redis.call('PUBLISH', args[1], 'T|' .. args[2])
  return 1
end

-- ARGV ..., expected_epoch, min_next, fresh_epoch, force.
-- A node that is ahead of Redis (or saw Redis reuse an offset it had delivered, force=1)
-- moves the topic to a new history; nothing happens when another node did so first.
local function rotate_topic(keys, args)
  local m = load_meta(keys[1])
  if not m then return redis.error_reply('NOTFOUND topic does not exist') end
  local min_next = tonumber(args[4])
  if m.epoch == tonumber(args[3]) and (args[6] == '1' or m.next < min_next) then
    rotate(keys, m, tonumber(args[5]), math.max(m.next, min_next))
    redis.call('PUBLISH', args[1], 'T|' .. args[2])
  end
  return m.epoch
end

-- KEYS meta, log, marker. ARGV after, count (0: the state alone).
-- The topic's state and up to `count` retained events after offset `after`, read in one
-- step so the events and the bounds agree: {epoch, next, first, max_events, max_bytes,
-- max_age_ms, browser, bytes, marker, max_subscribers, {offset, ms, type, data}...}; just
-- {marker} when the topic does not exist.
local function read(keys, args)
  local marker = redis.call('GET', keys[3]) or ''
  local m = load_meta(keys[1])
  if not m then return {marker} end
  local reply = {m.epoch, m.next, first_retained(keys[2], m.next), m.max_events, m.max_bytes,
                 m.max_age_ms, m.browser, m.bytes, marker, m.max_subscribers}
  if args[2] == '0' then return reply end
  local entries = redis.call('XRANGE', keys[2], '(' .. args[1] .. '-0', '+', 'COUNT', args[2])
  for _, e in ipairs(entries) do
    table.insert(reply, {offset_of(e[1]), tonumber(e[2][6]), e[2][2], e[2][4]})
  end
  return reply
end

-- KEYS behind. ARGV node, behind (1 or 0), ttl_ms. The count of nodes behind, this one too.
local function pressure(keys, args)
  local now = now_ms()
  redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', now)
  if args[2] == '1' then
    redis.call('ZADD', keys[1], now + tonumber(args[3]), args[1])
  else
    redis.call('ZREM', keys[1], args[1])
  end
  return redis.call('ZCARD', keys[1])
end

redis.register_function('herald_v2_pressure', pressure)
redis.register_function('herald_v2_publish', publish)
redis.register_function('herald_v2_create', create_topic)
redis.register_function('herald_v2_update', update_topic)
redis.register_function('herald_v2_delete', delete_topic)
redis.register_function('herald_v2_rotate', rotate_topic)
redis.register_function{function_name = 'herald_v2_read', callback = read, flags = {'no-writes'}}

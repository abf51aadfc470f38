-- The mixed load (python -m bench mixed / drill), run by wrk with one
-- connection per thread, so that in each thread request() and response()
-- strictly alternate: the request in flight is the one response() answers.
--
-- init(args) loads the data file the bench wrote (args[1], a Lua chunk
-- returning a table: routes and weights, tokens by role, listing ranges,
-- dates, conversations, the pool of bookings to pay...). request() picks a
-- route by weight with the thread's own RNG and builds it; response() checks
-- the status and a field of the body (a fast wrong answer is an error) and
-- records one sample: route, start and latency (CLOCK_MONOTONIC, LuaJIT
-- FFI), status, verdict. Samples go to a file per thread in the directory
-- args[3] (buffered; flushed when wrk exits): wrk's thread:get cannot copy
-- big nested tables back to done(). done() prints wrk's own counts
-- (MIXED_WRK); bench.mixed_report reads both.
--
-- MIXED_RATE (environment): requests a second for the whole load, paced in
-- delay(); unset, as fast as the connections go.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } mixed_timespec;
int clock_gettime(int clock_id, mixed_timespec *tp);
]]
local timespec = ffi.new("mixed_timespec")
local CLOCK_REALTIME, CLOCK_MONOTONIC = 0, 1

local function clock_ms(clock)
  ffi.C.clock_gettime(clock, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local data                  -- the data file's table
local thread_number = 0     -- this thread's number (0-based) and the count
local thread_count = 1
local cumulative = {}       -- routes' cumulative weights
local counter = 0
local in_flight             -- {route = index, started = ms, check = function}
local to_pay = {}           -- bookings this thread created: {id, token}
local pool_next             -- next booking of the pay pool this thread may pay
local listing_offset = 0    -- where this run's uncontended creates start
local books = 0

local out                   -- this thread's samples file
local failures = 0
local started_threads = 0

function setup(thread)
  thread:set("mixed_thread", started_threads)
  started_threads = started_threads + 1
end

-- --- checks ---------------------------------------------------------------------------------

local function has(body, text)
  return body ~= nil and string.find(body, text, 1, true) ~= nil
end

-- Each returns whether the answer is the right one.
local function expect(status_wanted, field)
  return function(status, body)
    return status == status_wanted and has(body, field)
  end
end

local function message_sent(status, body)
  if status == 201 and has(body, '"id":') then
    local id = string.match(body, '^{"id":%s*(%d+)')
    if id then
      out:write(string.format("S %s %.3f\n", id, in_flight.sent_at))
    end
    return true
  end
  return false
end

local function booking_created(status, body)
  if status == 201 and has(body, '"id":') then
    local id = string.match(body, '"id":%s*(%d+)')
    if id and in_flight.token then
      table.insert(to_pay, { tonumber(id), in_flight.token })
    end
    return true
  end
  return false
end

local function booking_contended(status, body)
  -- Someone else may have the nights: refused with dates_taken is right too.
  return booking_created(status, body) or (status == 409 and has(body, '"dates_taken"'))
end

-- --- helpers --------------------------------------------------------------------------------

local function pick(list)
  return list[math.random(#list)]
end

local function token_of(role)
  return pick(data.tokens[role])
end

local function auth(token)
  return { ["Authorization"] = "Token " .. token, ["Accept-Language"] = "es", ["Content-Type"] = "application/json" }
end

local function get(path, token, check)
  local headers = token and auth(token) or { ["Accept-Language"] = "es" }
  return wrk.format("GET", path, headers), check
end

local function post(path, token, body, check)
  return wrk.format("POST", path, auth(token), body), check
end

local function listing_id()
  return math.random(data.first_listing, data.last_listing)
end

local function date_pair()
  return pick(data.date_pairs)
end

-- --- routes ---------------------------------------------------------------------------------

local builders = {}

builders.catalog = function()
  local item = pick(data.catalog_paths)
  return get(item[1], nil, expect(200, item[2]))
end

builders.search = function()
  local path = "/api/listings/search/?city=" .. pick(data.cities)
  if math.random() < 0.5 then
    local dates = date_pair()
    path = path .. "&check_in=" .. dates[1] .. "&check_out=" .. dates[2] .. "&guests=" .. math.random(1, 3)
  end
  return get(path, nil, expect(200, '"results"'))
end

builders.detail = function()
  return get("/api/listings/" .. listing_id() .. "/", nil, expect(200, '"nightly_price"'))
end

builders.availability = function()
  return get("/api/listings/" .. listing_id() .. "/availability/?month=" .. pick(data.months), nil, expect(200, '"nights"'))
end

builders.inbox = function()
  local user = pick(data.chat_users)
  return get(data.inbox_path, user[2], expect(200, '"results"'))
end

builders.timeline = function()
  local conversation = pick(data.chat_conversations)
  return get(string.format(data.timeline_path, conversation[1]), conversation[2], expect(200, '"results"'))
end

builders.send = function()
  -- To a recipient kept connected over WebSocket: the send's wall-clock
  -- start is written with the message id the answer gives, for the
  -- receiving client's arrival time to be matched with.
  local conversation = pick(data.send_conversations)
  counter = counter + 1
  in_flight.sent_at = clock_ms(CLOCK_REALTIME)
  local client_id = string.format("%08x-%04x-4000-8000-%012x", data.seed * 10 + data.phase, thread_number, counter)
  local body = string.format(data.send_body, "Mensaje " .. counter, client_id)
  return post(string.format(data.timeline_path, conversation[1]), conversation[2], body, message_sent)
end

builders.book = function()
  local token = token_of("guests")
  in_flight.token = token[2]
  counter = counter + 1
  local listing, check
  if counter % 2 == 0 then
    listing, check = math.random(data.contended[1], data.contended[2]), booking_contended
  else
    -- Each thread its own listings: no two uncontended creates ask for the same nights.
    books = books + 1
    listing = data.listings[1]
      + (listing_offset + thread_number + thread_count * books) % (data.listings[2] - data.listings[1] + 1)
    check = booking_created
  end
  local body = string.format(
    '{"listing": %d, "check_in": "%s", "check_out": "%s", "guests": 1}', listing, data.night, data.night_out
  )
  return post("/api/bookings/", token[2], body, check)
end

builders.pay = function()
  local booking = table.remove(to_pay, 1)
  if booking == nil and pool_next <= #data.pay_pool then
    local entry = data.pay_pool[pool_next]
    pool_next = pool_next + thread_count
    booking = { entry[1], data.token_by_user[entry[2]] }
  end
  if booking == nil then
    return nil
  end
  return post(
    "/api/bookings/" .. booking[1] .. "/pay/",
    booking[2],
    '{"payment_method": "tok_visa"}',
    expect(201, '"succeeded"')
  )
end

builders.sales = function()
  return get("/api/ventas/?page=" .. math.random(1, data.sales_pages), token_of("staff")[2], expect(200, '"results"'))
end

builders.ticket = function()
  counter = counter + 1
  local text = pick(data.ticket_texts)
  return post("/api/boletos-importados/", token_of("staff")[2], text, expect(202, '"status"'))
end

builders.webhooks = function()
  return get("/api/webhooks/", token_of("hosts")[2], expect(200, '"results"'))
end

-- --- wrk's callbacks ------------------------------------------------------------------------

function init(args)
  thread_number = mixed_thread -- set by setup() in this thread's state
  data = dofile(args[1])
  data.phase = tonumber(args[2])
  out = assert(io.open(string.format("%s/thread-%d.txt", args[3], thread_number), "w"))
  thread_count = data.threads
  math.randomseed(data.seed + thread_number * 7919)
  local total = 0
  for index, route in ipairs(data.routes) do
    total = total + route[2]
    cumulative[index] = total
  end
  for index = 1, #cumulative do
    cumulative[index] = cumulative[index] / total
  end
  data.token_by_user = {}
  for _, role in pairs(data.tokens) do
    for _, user in ipairs(role) do
      data.token_by_user[user[1]] = user[2]
    end
  end
  -- Each run of the same data its own share of the pool and of the listings.
  -- (the warm-up, phase 0, the first third; the measured run the second;
  -- a profile the last).
  pool_next = thread_number + 1 + data.phase * math.floor(#data.pay_pool / 3)
  listing_offset = data.phase * math.floor((data.listings[2] - data.listings[1] + 1) / 3)
end

local function choose_route()
  local draw = math.random()
  for index, bound in ipairs(cumulative) do
    if draw <= bound then
      return index
    end
  end
  return #cumulative
end

-- Pacing: each request is due a fixed interval after the one before
-- (per thread); delay() may be called more than once per request, so it
-- only reads the schedule, request() advances it.
local pace_ms = os.getenv("MIXED_RATE") and 1000 / tonumber(os.getenv("MIXED_RATE"))
local next_due

local function advance_schedule()
  if pace_ms then
    local now = clock_ms(CLOCK_MONOTONIC)
    -- Far behind (a stalled server): no burst to catch up.
    next_due = math.max(next_due or now, now - 1000) + pace_ms * thread_count
  end
end

if pace_ms then
  function delay()
    if next_due == nil then
      return 0
    end
    return math.max(0, math.floor(next_due - clock_ms(CLOCK_MONOTONIC)))
  end
end

function request()
  advance_schedule()
  in_flight = {}
  local index = choose_route()
  local built, check = builders[data.routes[index][1]]()
  if built == nil then
    index = 1 -- nothing of that route left to do (no booking to pay): the first route instead
    built, check = builders[data.routes[index][1]]()
  end
  in_flight.route, in_flight.check = index, check
  in_flight.started = clock_ms(CLOCK_MONOTONIC)
  return built
end

function response(status, headers, body)
  local finished = clock_ms(CLOCK_MONOTONIC)
  if in_flight == nil or in_flight.route == nil then
    return
  end
  local ok = in_flight.check(status, body)
  out:write(string.format("%d %.3f %.3f %d %d\n", in_flight.route, in_flight.started,
    finished - in_flight.started, status, ok and 1 or 0))
  if not ok and failures < 5 then
    failures = failures + 1
    local shown = string.gsub(string.sub(body or "", 1, 200), "%s+", " ")
    out:write("F ", data.routes[in_flight.route][1], " ", status, " ", shown, "\n")
  end
  in_flight = nil
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'MIXED_WRK {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end

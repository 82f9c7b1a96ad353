-- revcache: the metadata cache of a versions directory (runner/modules/revcache.c),
-- on real files. settle = 0 lets a file be cached as soon as its
-- timestamps are in the past; script.load_all's own use (two seconds)
-- is checked in cli_sqlite_spec.
local revcache = require("luamig.revcache")
local revscan = require("luamig.revscan")
local script = require("luamig.script")
local sys = require("luamig.sys")

local NONE = {}
local N = 300 -- the cache is written from 100 files up; 256 and more are stat'ed on threads

local dir
local function path(name) return dir .. "/" .. name end

local function write(name, text)
  local f = assert(io.open(path(name), "wb"))
  f:write(text)
  f:close()
end

local function read(p)
  local f = io.open(p, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function name_of(i) return string.format("%04d_rev.lua", i) end

local function revision_text(i, extra)
  return string.format('-- revision %d\nrevision = "r%04d"\ndown_revision = %s\nbranch_labels = %s\n'
    .. 'depends_on = %s\ntransactional = %s\nfunction upgrade() end\n%s',
    i, i, i == 1 and "nil" or string.format('"r%04d"', i - 1),
    i == 1 and '"base_label"' or "nil", i == 3 and '{ "r0001", "r0002" }' or "nil",
    i == 2 and "false" or "true", extra or "")
end

local function names(n)
  local t = {}
  for i = 1, n do t[i] = name_of(i) end
  return t
end

-- Timestamps are taken from a coarse clock (a few ms): wait past a tick so
-- that a file written next is stamped later than the one before.
local function next_tick() os.execute("sleep 0.02") end

-- One pass as script.lua makes it: lookup, then scan and put the misses.
local function pass(list, settle)
  local cache = assert(revcache.open(dir, settle or 0))
  local records = cache:lookup(list, dir, NONE)
  local misses = {}
  for i, name in ipairs(list) do
    if not records[i] then
      misses[#misses + 1] = name
      local rec = revscan.record(assert(read(path(name))), path(name), NONE)
      if rec then cache:put(name, rec) end
      records[i] = rec
    end
  end
  return records, misses, cache:save(#list)
end

local function count(t) local n = 0; for _ in pairs(t) do n = n + 1 end; return n end

describe("revcache", function()
  before_each(function()
    local p = io.popen("mktemp -d"); dir = p:read("l"); p:close()
    for i = 1, N do write(name_of(i), revision_text(i)) end
    next_tick()
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("gives back, from the second pass on, the records revscan reads, without opening the files", function()
    local first, misses, written = pass(names(N))
    assert.equal(N, #misses)
    assert.is_true(written)
    assert.equal("# written by luamig: a cache of revision metadata\n*\n", read(path(".luamig_cache/.gitignore")))
    local again, misses2, written2 = pass(names(N))
    assert.same({}, misses2)
    assert.is_false(written2) -- nothing changed: the index is not rewritten
    for i = 1, N do
      local want, got = first[i], again[i]
      assert.equal(want.id, got.id)
      assert.same(want.down_revisions, got.down_revisions)
      assert.same(want.branch_labels, got.branch_labels)
      assert.same(want.depends_on, got.depends_on)
      assert.equal(want.transactional, got.transactional)
      assert.equal(want.doc, got.doc)
      assert.equal(path(name_of(i)), got.path)
      assert.is_nil(got.source) -- read on demand (script.source)
    end
    assert.equal("revision 3", again[3].doc)
    assert.same({ "r0001", "r0002" }, again[3].depends_on)
    assert.same({ "base_label" }, again[1].branch_labels)
    assert.is_false(again[2].transactional)
    -- empty lists are the caller's shared `none`, as revscan makes them
    assert.equal(NONE, again[1].down_revisions)
    assert.equal(NONE, again[2].depends_on)
  end)

  it("makes each record when it is first read, once, and the graph from the entries alone", function()
    -- a clean line: no branch label, no dependency
    for i = 1, N do
      local parent = i == 1 and "nil" or string.format('"r%04d"', i - 1)
      local text = '-- revision %d\nrevision = "r%04d"\ndown_revision = %s\nfunction upgrade() end\n'
      write(name_of(i), string.format(text, i, i, parent))
    end
    next_tick()
    pass(names(N))
    local cache = assert(revcache.open(dir, 0))
    local list, misses = cache:lookup(names(N), dir, NONE)
    assert.equal(0, misses)
    assert.is_true(cache:save(N) == false)
    collectgarbage() -- the index the entries point into is the list's, not the closed cache's
    assert.equal(N, #list)
    assert.is_nil(next(list)) -- nothing made yet
    local graph = require("luamig.revgraph").build(list, require("luamig.revision.build").EMPTY)
    assert.is_table(graph)
    assert.equal("r" .. string.format("%04d", N), graph._heads[1].id)
    assert.equal("r0001", graph._bases[1].id)
    -- the graph made the head's and the base's records, and no other
    local made = {}
    for i in next, list do made[#made + 1] = i end -- next: only the records made
    table.sort(made)
    assert.same({ 1, N }, made)
    -- history's lines, from the entries' docs: no record made either
    local lines = {}
    for line in (graph._history_text({ r0002 = true }) .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
    assert.equal(N, #lines)
    assert.equal(string.format("r%04d -> r%04d (head), revision %d", N - 1, N, N), lines[1])
    assert.equal("r0001 -> r0002 (current), revision 2", lines[N - 1])
    assert.equal("<base> -> r0001, revision 1", lines[N])
    local after = {}
    for i in next, list do after[#after + 1] = i end
    table.sort(after)
    assert.same({ 1, N }, after)
    local r = list[7]
    assert.equal(r, list[7])
    assert.equal(r, rawget(list, 7))
    assert.equal("r0007", r.id)
    assert.same({ "r0006" }, r.down_revisions)
    assert.equal(path(name_of(7)), r.path)
    assert.equal("revision 7", r.doc)
    assert.equal(graph._nodes.r0007.script, r)
    local seen = 0
    for i, rec in ipairs(list) do
      seen = seen + 1
      assert.equal(string.format("r%04d", i), rec.id)
    end
    assert.equal(N, seen)
    local paired = 0
    for i, rec in pairs(list) do
      paired = paired + 1
      assert.equal(list[i], rec)
    end
    assert.equal(N, paired)
    for _, key in ipairs { 0, N + 1, "1", 1.5 } do assert.is_nil(list[key], tostring(key)) end
    local again = assert(revcache.open(dir, 0))
    again:lookup(names(N), dir, NONE)
    assert.error_matches(function() again:lookup(names(N), dir, NONE) end, "lookup was called already", 1, true)
    again:save(N)
  end)

  it("reads again a file whose size, times or inode changed, and only that one", function()
    pass(names(N))
    next_tick()
    write(name_of(5), revision_text(5, "-- a comment makes it longer\n"))
    -- same size, another parent: only the timestamps tell
    local same_size = revision_text(7):gsub('"r0006"', '"r0004"')
    write(name_of(7), same_size)
    -- replaced by a copy with the same bytes: another inode
    os.execute(string.format("cp -p '%s' '%s.new' && mv '%s.new' '%s'",
      path(name_of(9)), path(name_of(9)), path(name_of(9)), path(name_of(9))))
    next_tick()
    local records, misses, written = pass(names(N))
    assert.same({ name_of(5), name_of(7), name_of(9) }, misses)
    assert.is_true(written)
    assert.same({ "r0004" }, records[7].down_revisions)
    local _, misses2 = pass(names(N))
    assert.same({}, misses2)
  end)

  it("drops the entries of removed files and adds new ones", function()
    pass(names(N))
    os.remove(path(name_of(N)))
    local records, misses, written = pass(names(N - 1))
    assert.same({}, misses)
    assert.is_true(written) -- the index loses the removed file's entry
    assert.equal(N - 1, #records)
    write(name_of(N), revision_text(N))
    next_tick()
    local _, added = pass(names(N))
    assert.same({ name_of(N) }, added)
    local _, none = pass(names(N))
    assert.same({}, none)
  end)

  it("does not cache a file changed within the settle time", function()
    local _, misses, written = pass(names(N), 60)
    assert.equal(N, #misses)
    assert.is_false(written) -- every file is younger than 60 s
    assert.is_nil(sys.stat(path(".luamig_cache/index")))
  end)

  it("is not written for fewer than 100 files, and never counts files that revscan cannot read", function()
    local _, _, written = pass(names(99))
    assert.is_false(written)
    assert.is_nil(sys.stat(path(".luamig_cache")))
    write(name_of(50), "local r = 'x'\nrevision = r .. '1'\nfunction upgrade() end\n")
    next_tick()
    local records, misses, written2 = pass(names(N))
    assert.equal(N, #misses)
    assert.is_true(written2)
    assert.is_nil(records[50]) -- not literal: script.lua evaluates it
    local _, misses2 = pass(names(N))
    assert.same({ name_of(50) }, misses2)
  end)

  it("ignores an index that is damaged, truncated or from another version, and writes a good one", function()
    pass(names(N))
    local index = path(".luamig_cache/index")
    local good = assert(read(index))
    -- the header: magic, the version's length and bytes, the entry count
    local at = good:find(sys.version, 1, true)
    assert.equal(9, at)
    local first_entry = at + #sys.version + 4
    local bad = {
      truncated = good:sub(1, #good - 7),
      garbage = string.rep("\255", #good),
      empty = "",
      version = good:sub(1, at - 1) .. "x" .. good:sub(at + 1),
      -- the first entry's length pointing past the end
      length = good:sub(1, first_entry - 1) .. "\255\255\255\127" .. good:sub(first_entry + 4),
    }
    for what, bytes in pairs(bad) do
      local f = assert(io.open(index, "wb")); f:write(bytes); f:close()
      local records, misses, written = pass(names(N))
      assert.equal(N, #misses, what)
      assert.is_true(written, what)
      assert.equal("r0010", records[10].id, what)
      assert.equal(good, read(index), what)
    end
    assert.equal(5, count(bad))
  end)

  it("never gives a record that differs from the file, whatever byte of the index is flipped", function()
    local M = 100 -- the fewest files the index is written for
    local list = names(M)
    pass(list)
    local index = path(".luamig_cache/index")
    local good = assert(read(index))
    -- what evaluating each file gives
    local want = {}
    for i, name in ipairs(list) do
      local env = script.environment()
      assert(load(assert(read(path(name))), "@" .. name, "t", env))()
      local function list_of(v) return type(v) == "string" and { v } or v or {} end
      want[i] = {
        id = rawget(env, "revision"), down_revisions = list_of(rawget(env, "down_revision")),
        branch_labels = list_of(rawget(env, "branch_labels")), depends_on = list_of(rawget(env, "depends_on")),
        transactional = rawget(env, "transactional") ~= false, doc = string.format("revision %d", i),
      }
    end
    local function plain(l) local t = {}; for k, v in ipairs(l) do t[k] = v end; return t end
    local function same_list(a, b)
      if #a ~= #b then return false end
      for k = 1, #a do if a[k] ~= b[k] then return false end end
      return true
    end
    local flips, most_kept = 0, 0
    for at = 1, #good do
      do
        local mask = at % 9 == 0 and 0xFF or 1 << (at % 8) -- one bit, or the whole byte
        local b = string.char(good:byte(at) ~ mask)
        local f = assert(io.open(index, "wb")); f:write(good:sub(1, at - 1), b, good:sub(at + 1)); f:close()
        local cache = assert(revcache.open(dir, 0))
        local records = cache:lookup(list, dir, NONE)
        local kept = 0
        for i = 1, M do
          local r = records[i]
          if r then
            kept = kept + 1
            local w = want[i]
            if r.id ~= w.id or r.transactional ~= w.transactional or r.doc ~= w.doc
                or not same_list(r.down_revisions, w.down_revisions) or not same_list(r.branch_labels, w.branch_labels)
                or not same_list(r.depends_on, w.depends_on) or r.path ~= path(list[i]) then
              local got = { id = r.id, down_revisions = plain(r.down_revisions), branch_labels = plain(r.branch_labels),
                depends_on = plain(r.depends_on), transactional = r.transactional, doc = r.doc }
              assert.same(w, got, string.format("byte %d xor %d: entry of %s", at, mask, list[i]))
              error("wrong path " .. tostring(r.path))
            end
          end
        end
        cache:save(0)
        flips = flips + 1
        -- a damaged entry is dropped alone, when the damage leaves the others readable
        if kept == M - 1 then most_kept = most_kept + 1 end
      end
    end
    assert.equal(#good, flips)
    assert.is_true(most_kept > #good * 0.9, string.format("%d of %d flips dropped one entry only", most_kept, flips))
  end)

  it("stays out of the way when it cannot write", function()
    -- .luamig_cache is a file: the index cannot be made, the files are read
    write(".luamig_cache", "not a directory")
    local records, misses, written = pass(names(N))
    assert.equal(N, #misses)
    assert.is_false(written)
    assert.equal(string.format("r%04d", N), records[N].id)
    assert.is_nil(revcache.open(dir .. "/missing"))
    assert.error_matches(function() revcache.open(dir, -1) end, "settle must be 0 to 1e6 seconds")
  end)
end)

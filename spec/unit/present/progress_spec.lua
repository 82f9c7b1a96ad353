-- The progress line of data migrations: what each mode writes.

local progress = require("luamig.present.progress")

local function capture(opts)
  local out = {}
  opts.write = function(s) out[#out + 1] = s end
  return progress.new(opts), out
end

describe("progress", function()
  it("groups thousands", function()
    assert.equal("0", progress.grouped(0))
    assert.equal("999", progress.grouped(999))
    assert.equal("1,000", progress.grouped(1000))
    assert.equal("1,234,567", progress.grouped(1234567.9))
  end)

  it("writes nothing without a mode", function()
    local p, out = capture({ total = 10, label = "rows" })
    p:add(10)
    p:finish()
    assert.same({}, out)
    assert.equal(10, p.done)
  end)

  it("in lines mode (-v off a terminal) writes one line at the end, with the percentage", function()
    local p, out = capture({ mode = "lines", total = 2000, label = "bulk_insert t" })
    p:add(500)
    p:add(1500)
    p:finish()
    p:finish()  -- twice is harmless
    assert.equal(1, #out)
    assert.matches("^bulk_insert t: 2,000 / 2,000 rows %(100%%%), [%d,]+ rows/s, %d+%.%d%d s\n$", out[1])
  end)

  it("in tty mode redraws one line in place and ends it", function()
    local p, out = capture({ mode = "tty", label = "backfill", delay = 0 })
    p:add(3)
    p:finish()
    assert.equal(2, #out)
    assert.matches("^\rbackfill: 3 rows, [%d,]+ rows/s, %d+%.%d%d s\27%[K$", out[1])
    assert.matches("^\rbackfill: 3 rows, .*\27%[K\n$", out[2])
  end)

  it("in tty mode stays silent for work shorter than its delay", function()
    local p, out = capture({ mode = "tty", total = 5, delay = 60 })
    p:add(5)
    p:finish()
    assert.same({}, out)
  end)

  it("calls on_finish once", function()
    local calls = 0
    local p = progress.new({ on_finish = function() calls = calls + 1 end })
    p:finish()
    p:finish()
    assert.equal(1, calls)
  end)
end)

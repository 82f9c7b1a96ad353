-- luamig.present.json: the --json output encoder.
local json = require("luamig.present.json")

describe("json.encode", function()
  it("writes scalars, arrays and objects with sorted keys", function()
    assert.equal('{"a":[1,2.5,"x"],"b":true,"c":null,"d":[]}',
      json.encode { b = true, a = { 1, 2.5, "x" }, c = json.null, d = {} })
    assert.equal("[]", json.encode {})
    assert.equal("null", json.encode(nil))
    assert.equal("-3", json.encode(-3))
    assert.equal("null", json.encode(0 / 0))
  end)

  it("escapes what JSON requires", function()
    assert.equal([["a\"b\\c\n\t\u0001é"]], json.encode('a"b\\c\n\t\1é'))
  end)

  -- python3 decodes strictly: bytes that are not UTF-8 fail to parse.
  local function python_parses(text)
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
    local ok = os.execute("python3 -c 'import json,sys; json.loads(open(sys.argv[1], \"rb\").read().decode(\"utf-8\"))' "
      .. path .. " 2>/dev/null")
    os.remove(path)
    return ok == true
  end

  it("writes valid JSON for any bytes: U+FFFD for each byte that is not UTF-8", function()
    local FFFD = "\u{FFFD}"
    assert.equal('"a' .. FFFD .. 'b"', json.encode("a\255b"))
    assert.equal('"' .. FFFD .. FFFD .. 'x"', json.encode("\xE2\x82x"))            -- a truncated sequence
    assert.equal('"' .. FFFD .. FFFD .. '"', json.encode("\xC0\xAF"))              -- an overlong "/"
    assert.equal('"' .. FFFD .. FFFD .. FFFD .. '"', json.encode("\xED\xA0\x80"))  -- a UTF-16 surrogate
    assert.equal('"\u{20AC} \u{E9} \u{1F600}"', json.encode("\u{20AC} \u{E9} \u{1F600}"))  -- UTF-8 stays as it is
    assert.equal('{"k' .. FFFD .. '":"\\u0007' .. FFFD .. '"}', json.encode { ["k\128"] = "\7\254" })
    for _, bytes in ipairs { "\255\254", "ok\192", "\237\160\128", "\244\144\128\128", "x\0y\127", "\27[31m" } do
      local text = json.encode { message = bytes, list = { bytes } }
      assert.is_true(python_parses(text), text)
    end
  end)

  it("writes a table with holes or other keys as an object", function()
    assert.equal('{"1":"a","3":"c"}', json.encode { [1] = "a", [3] = "c" })
  end)

  it("refuses what JSON cannot hold", function()
    local t = {}
    t.self = t
    assert.has_error(function() json.encode(t) end, "json: a table contains itself")
    assert.has_error(function() json.encode(print) end, "json: cannot encode a function")
  end)

  it("writes json.object tables as objects, even empty", function()
    assert.equal('{"a":{},"b":[]}', json.encode { a = json.object(), b = {} })
    assert.equal('{"k":1}', json.encode(json.object { k = 1 }))
  end)

  it("writes json.raw text as it is", function()
    assert.equal('[{"a":1},{"output":{"x":[1,2]}}]', json.encode { { a = 1 }, { output = json.raw('{"x":[1,2]}') } })
  end)
end)

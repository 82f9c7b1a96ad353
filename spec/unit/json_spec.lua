-- luamig.json: the --json output encoder.
local json = require "luamig.json"

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

  it("writes a table with holes or other keys as an object", function()
    assert.equal('{"1":"a","3":"c"}', json.encode { [1] = "a", [3] = "c" })
  end)

  it("refuses what JSON cannot hold", function()
    local t = {}
    t.self = t
    assert.has_error(function() json.encode(t) end, "json: a table contains itself")
    assert.has_error(function() json.encode(print) end, "json: cannot encode a function")
  end)
end)

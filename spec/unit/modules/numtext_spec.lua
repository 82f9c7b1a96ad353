-- driver.number_text (runner/binding/binding_numtext.c): the text the bulk
-- loaders (COPY, LOAD DATA) write for a number, made without snprintf,
-- must be byte for byte what "%d" and "%.17g" write (string.format calls
-- the C library's snprintf), over random bit patterns, the ranges data
-- holds and the edges of the fast path.

local driver = require("luamig.driver")
local number_text = driver.number_text

local function libc(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  return string.format("%.17g", x)
end

-- The first values whose texts differ, as "libc | ours" lines.
local function mismatches(values)
  local out = {}
  for _, x in ipairs(values) do
    local want, got = libc(x), number_text(x)
    if want ~= got then
      out[#out + 1] = want .. " | " .. got
      if #out == 10 then break end
    end
  end
  return out
end

describe("driver.number_text", function()
  it("writes the edges as snprintf does", function()
    local values = {
      0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, 0.25, 1 / 3, 2 / 3, 1e-4, 1e-5, -1e-5,
      1e-5 * (1 - 2 ^ -52), 1e-5 * (1 + 2 ^ -52), 9.99999999999999999e-5, 1e17, 1e17 * (1 - 2 ^ -53),
      99999999999999999.0, 9999999999999998.0, 2 ^ 53, 2 ^ 53 + 2, -(2 ^ 53) - 2, 2 ^ 63, -(2 ^ 63), 2 ^ 64,
      123456789012345678.0, 12345678901234567.0, 5e-324, -5e-324, 2.2250738585072014e-308,
      1.7976931348623157e308, -1.7976931348623157e308, 1 / 0, -1 / 0, 0.30000000000000004,
      math.pi, -math.pi, math.huge, 1e16, 1e15 + 0.5, 4503599627370495.5, 0.000123456789,
      math.mininteger, math.maxinteger, 0, -1, 1, 10, -10, 1e3 // 1, math.mininteger + 1,
      9007199254740993, -9007199254740993,
    }
    assert.same({}, mismatches(values))
    assert.equal("-0", number_text(-0.0))
    assert.equal("-9223372036854775808", number_text(math.mininteger))
    assert.equal("0.10000000000000001", number_text(0.1))
  end)

  it("writes random doubles of every exponent, and of the ranges data holds, as snprintf does", function()
    math.randomseed(20261207)
    local values = {}
    for _ = 1, 40000 do
      -- any bit pattern: every exponent, subnormals, NaNs
      values[#values + 1] = string.unpack("<d", string.pack("<i8", math.random(math.mininteger, math.maxinteger)))
      values[#values + 1] = math.random() * 10 ^ math.random(-7, 18)
      values[#values + 1] = -math.random() * 10 ^ math.random(-7, 18)
      values[#values + 1] = math.random(-1000000, 1000000) / 2 ^ math.random(0, 30)  -- exact binary fractions
      values[#values + 1] = math.random(-1000000, 1000000) / 10 ^ math.random(0, 9)  -- decimal fractions
      values[#values + 1] = math.random(1, 1 << 52) + 0.5                           -- ties at the 17th digit
      values[#values + 1] = math.random(math.mininteger, math.maxinteger)
      values[#values + 1] = math.random(-100000, 100000)
    end
    assert.same({}, mismatches(values))
  end)

  it("refuses what is not a number", function()
    assert.has_error(function() number_text("1") end)
  end)
end)

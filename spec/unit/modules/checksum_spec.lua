-- luamig.checksum (runner/modules/checksum.c, runner/modules/sha256.c): SHA-256 checked
-- against the published FIPS 180-4 answers and the system's sha256sum, and
-- the normalisation revision() applies before hashing.

local checksum = require("luamig.checksum")

-- sha256sum's digest of the bytes of s.
local function sha256sum(s)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
  local p = assert(io.popen("sha256sum " .. path))
  local out = p:read("a")
  p:close()
  os.remove(path)
  local hex = out:match("^(%x+)")
  assert(hex and #hex == 64, "sha256sum printed: " .. out)
  return hex
end

-- The test that checksum[name] raises for a table, naming its argument
-- as Lua's own functions do.
local function rejects_a_table(name)
  it("rejects a table, naming the argument", function()
    local ok, err = pcall(checksum[name], {})
    assert.is_false(ok)
    assert.matches("bad argument #1 to '[%w.]*" .. name .. "'", err)
    assert.matches("string expected, got table", err, 1, true)
  end)
end

-- n bytes of every value 0..255 from a fixed-seed LCG: the same each run.
-- Past 8191 bytes (not a multiple of the 64-byte block) the pattern repeats,
-- which keeps multi-megabyte inputs cheap to make.
local function bytes(n, seed)
  local t, x = {}, seed
  for i = 1, math.min(n, 8191) do
    x = (x * 1103515245 + 12345) % 2147483648
    t[i] = string.char(x >> 16 & 0xff)
  end
  local s = table.concat(t)
  return s:rep(n // 8191 + 1):sub(1, n)
end

describe("luamig.checksum", function()
  describe("sha256", function()
    it("gives the FIPS 180-4 known answers", function()
      assert.equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        checksum.sha256(""))
      assert.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        checksum.sha256("abc"))
      assert.equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        checksum.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
      assert.equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        checksum.sha256(("a"):rep(1000000)))
    end)

    it("agrees with sha256sum for every length 0..200", function()
      local data = bytes(200, 1)
      for n = 0, 200 do
        local s = data:sub(1, n)
        assert.equal(sha256sum(s), checksum.sha256(s), "length " .. n)
      end
    end)

    it("agrees with sha256sum for large inputs", function()
      for _, n in ipairs({ 4095, 65536, 1000003, 3 * 1024 * 1024 + 7 }) do
        local s = bytes(n, n)
        assert.equal(sha256sum(s), checksum.sha256(s), "length " .. n)
      end
    end)

    it("returns 64 lowercase hex digits", function()
      assert.matches("^[0-9a-f]+$", checksum.sha256("x"))
      assert.equal(64, #checksum.sha256("x"))
    end)

    rejects_a_table("sha256")
  end)

  describe("revision", function()
    local text = "-- create links\nrevision = \"4f1c0a9be2d3\"\n\nfunction upgrade()\nend\n"

    it("is 'sha256:' and the digest of an LF-only text without BOM", function()
      local r = checksum.revision(text)
      assert.equal(71, #r)
      assert.equal("sha256:", r:sub(1, 7))
      assert.equal("sha256:" .. checksum.sha256(text), r)
      assert.equal("sha256:" .. checksum.sha256(""), checksum.revision(""))
    end)

    it("hashes CRLF line ends as LF", function()
      assert.equal(checksum.revision(text), checksum.revision((text:gsub("\n", "\r\n"))))
      assert.equal(checksum.revision("a\n"), checksum.revision("a\r\n"))
      assert.equal(checksum.revision("\n\n"), checksum.revision("\r\n\r\n"))
      assert.not_equal(checksum.revision("a\n"), checksum.revision("a\r\r\n"))
      assert.equal("sha256:" .. checksum.sha256("a\r\n"), checksum.revision("a\r\r\n"))
    end)

    it("skips a leading UTF-8 BOM, and only a leading one", function()
      assert.equal(checksum.revision(text), checksum.revision("\xEF\xBB\xBF" .. text))
      assert.equal(checksum.revision(text),
        checksum.revision("\xEF\xBB\xBF" .. text:gsub("\n", "\r\n")))
      assert.equal("sha256:" .. checksum.sha256(""), checksum.revision("\xEF\xBB\xBF"))
      assert.not_equal(checksum.revision("a"), checksum.revision("a\xEF\xBB\xBF"))
      assert.equal("sha256:" .. checksum.sha256("\xEF\xBB\xBF"),
        checksum.revision("\xEF\xBB\xBF\xEF\xBB\xBF"))
      assert.equal("sha256:" .. checksum.sha256("\xEF\xBB"), checksum.revision("\xEF\xBB"))
    end)

    it("keeps a lone CR", function()
      assert.not_equal(checksum.revision("a\nb"), checksum.revision("a\rb"))
      assert.equal("sha256:" .. checksum.sha256("a\rb"), checksum.revision("a\rb"))
      assert.equal("sha256:" .. checksum.sha256("a\r"), checksum.revision("a\r"))
      assert.not_equal(checksum.revision("a"), checksum.revision("a\r"))
      assert.equal("sha256:" .. checksum.sha256("\r"), checksum.revision("\r"))
      assert.equal("sha256:" .. checksum.sha256("\n\r"), checksum.revision("\n\r"))
    end)

    -- CRLFs at varied places split the input into runs of every length, so
    -- the hash is fed in odd-sized pieces across block boundaries.
    it("agrees with sha256sum of the normalised text for large mixed inputs", function()
      for _, n in ipairs({ 1000, 100000, 2 * 1024 * 1024 + 13 }) do
        local s = bytes(n, 7 * n):gsub("[\r\n]", "\r\n")
        local normal = s:gsub("\r\n", "\n")
        assert.is_true(#normal < #s)
        assert.equal("sha256:" .. sha256sum(normal), checksum.revision(s), "length " .. n)
        assert.equal("sha256:" .. sha256sum(normal), checksum.revision("\xEF\xBB\xBF" .. s))
      end
    end)

    rejects_a_table("revision")
  end)
end)

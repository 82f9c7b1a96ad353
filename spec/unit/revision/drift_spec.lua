-- luamig.revision.drift: drift between applied revisions and their files.
local verify = require("luamig.revision.drift")

local function rec(id, downs, extra)
  local r = { id = id, path = "v/" .. id .. ".lua", down_revisions = downs or {}, depends_on = {},
    branch_labels = {}, sum = "sha256:" .. id }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local function sum_of(r) return r.sum end

describe("verify.drift", function()
  local files = {
    rec("a1"), rec("b2", { "a1" }), rec("c3", { "b2" }, { sum = "sha256:changed" }),
    rec("o1", nil, { branch_labels = { "other" } }), rec("o2", { "o1" }, { depends_on = { "a1" } }),
  }

  it("finds nothing when every applied file matches", function()
    local r = verify.drift(files, { "b2" }, { a1 = "sha256:a1", b2 = "sha256:b2" }, sum_of)
    assert.is_true(r.ok)
    assert.equal(2, r.checked)
    assert.same({}, r.unrecorded)
  end)

  it("reports an edited file with both checksums, and only among applied revisions", function()
    local r = verify.drift(files, { "c3" }, { a1 = "sha256:a1", b2 = "sha256:b2", c3 = "sha256:c3" }, sum_of)
    assert.is_false(r.ok)
    assert.same({ { id = "c3", path = "v/c3.lua", recorded = "sha256:c3", actual = "sha256:changed" } }, r.edited)
    r = verify.drift(files, { "b2" }, { c3 = "sha256:c3" }, sum_of)
    assert.is_true(r.ok)
    assert.same({ "a1", "b2" }, r.unrecorded)
  end)

  it("tells a missing parent file from an unknown version row", function()
    local without_b2 = { files[1], files[3] }
    local r = verify.drift(without_b2, { "c3", "zz9" }, {}, sum_of)
    assert.same({ { id = "b2", named_by = "v/c3.lua" } }, r.missing)
    assert.same({ { id = "zz9" } }, r.unknown)
    assert.is_false(r.ok)
  end)

  it("follows depends_on, also through a branch label", function()
    local with_label = { files[1], files[4], rec("o2", { "o1" }, { depends_on = { "other" } }) }
    local r = verify.drift(with_label, { "o2" }, { a1 = "sha256:a1", o1 = "sha256:o1", o2 = "sha256:o2" }, sum_of)
    assert.is_true(r.ok)
    assert.equal(2, r.checked)  -- o2 and o1 (the label's revision); a1 is not an ancestor here
    r = verify.drift(files, { "o2" }, { a1 = "sha256:x" }, sum_of)
    assert.same("a1", r.edited[1].id)
  end)
end)

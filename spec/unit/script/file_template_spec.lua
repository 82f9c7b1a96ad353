-- script.file_template: Alembic's file_template tokens, rendered and checked.
local file_template = require("luamig.script.file_template")

-- 2026-03-04 05:06:07 local time
local TIME = os.time { year = 2026, month = 3, day = 4, hour = 5, min = 6, sec = 7 }

local function render(template, slug)
  return file_template.render(template, file_template.fields("ab12", slug == nil and "add_users" or slug, TIME))
end

describe("script.file_template", function()
  it("renders the default as before: id, then slug", function()
    assert.equal("ab12_add_users", render(file_template.DEFAULT))
    assert.equal("ab12", render(file_template.DEFAULT, ""))
  end)

  it("renders the date tokens with printf conversions, as Alembic's", function()
    assert.equal("2026_03_04_0506-ab12_add_users",
      render("%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s"))
    assert.equal("20260304050607_ab12", render("%(year)d%(month)02d%(day)02d%(hour)02d%(minute)02d%(second)02d_%(rev)s"))
    assert.equal(tostring(TIME) .. "_ab12", render("%(epoch)s_%(rev)s"))
    assert.equal("3-ab12", render("%(month)i-%(rev)s"))
    assert.equal("100%_ab12", render("100%%_%(rev)s"))
  end)

  it("trims _ and - at the ends, left by an empty slug", function()
    assert.equal("ab12", render("%(slug)s_%(rev)s", ""))
  end)

  it("refuses bad templates, saying why", function()
    for _, case in ipairs {
      { "%(rev)s_%(nope)s", "unknown token %(nope)" },
      { "%%(rev)s", "with one %" },
      { "%(rev)s_%(slug)d", "slug is text" },
      { "%(rev", "has no closing )" },
      { "%(rev)", "needs a conversion" },
      { "%(rev)r", "use the conversion s, d or i" },
      { "%(year)123d_%(rev)s", "at most 99" },
      { "%d_%(rev)s", "starts no token" },
      { "fixed", "it has no token" },
    } do
      local ok, err = file_template.check(case[1])
      assert.is_nil(ok, case[1])
      assert.matches(case[2], err, 1, true)
    end
    assert.is_true(file_template.check(file_template.DEFAULT))
  end)

  it("refuses names that would not be read as revisions", function()
    local name, err = render("%(rev)s/%(slug)s")
    assert.is_nil(name)
    assert.matches("holds a /", err, 1, true)
    name, err = render(".%(rev)s")
    assert.is_nil(name)
    assert.matches("starting with .", err, 1, true)
  end)
end)

-- The .env file: variables that are not set already, read before the
-- settings (DATABASE_URL) and visible to what reads the environment in C
-- (libpq's PGPASSWORD, Connector/C's MYSQL_PWD); --env-file and
-- --no-dotenv; a bad file is exit 2 before any database is touched.
local h = require("helpers.luamig")
local backends = require("helpers.backends")

local EXAMPLE = { "4f1c0a9be2d3", "9b7e21c4d8a0", "c3d5e7f90a12" }

describe("the .env file #sqlite", function()
  after_each(h.cleanup)

  it("sets DATABASE_URL, unless the environment has it", function()
    local dir = h.example_project()
    h.write_file(dir .. "/.env", "# the app's settings\nexport DATABASE_URL='sqlite:from_env_file.db'\n")
    h.run_ok(dir, { "upgrade", "+1" })
    assert.same({ EXAMPLE[1] }, h.sqlite_versions(dir .. "/from_env_file.db"))
    h.run_ok(dir, { "upgrade", "+1" }, { DATABASE_URL = "sqlite:from_environment.db" })
    assert.same({ EXAMPLE[1] }, h.sqlite_versions(dir .. "/from_environment.db"))
    assert.same({ EXAMPLE[1] }, h.sqlite_versions(dir .. "/from_env_file.db"))
    -- set but empty is set, as in dbmate
    h.run_ok(dir, { "upgrade", "+1" }, { DATABASE_URL = "" })
    assert.same({ EXAMPLE[1] }, h.sqlite_versions(dir .. "/luamig.db"))
  end)

  it("is read before luamig.lua, which sees its variables", function()
    local dir = h.example_project()
    h.write_file(dir .. "/.env", 'APP_DB="sqlite:${PWD}/app.db"\n')
    h.write_file(dir .. "/luamig.lua", 'return { url = os.getenv("APP_DB") or error("set APP_DB") }\n')
    h.run_ok(dir, { "upgrade", "head" })
    assert.same({ EXAMPLE[3] }, h.sqlite_versions(dir .. "/app.db"))
  end)

  it("--no-dotenv skips it; --env-file reads others instead", function()
    local dir = h.example_project()
    h.write_file(dir .. "/.env", "DATABASE_URL=sqlite:dot.db\n")
    h.write_file(dir .. "/staging.env", "DATABASE_URL=sqlite:staging.db\n")
    h.run_ok(dir, { "--no-dotenv", "upgrade", "+1" })
    assert.same({ EXAMPLE[1] }, h.sqlite_versions(dir .. "/luamig.db"))
    h.run_ok(dir, { "upgrade", "+2", "--env-file", "staging.env" })
    assert.same({ EXAMPLE[2] }, h.sqlite_versions(dir .. "/staging.db"))
    assert.is_nil(io.open(dir .. "/dot.db"))
  end)

  it("a bad line, a missing --env-file or both options: exit 2, one line, nothing written", function()
    local dir = h.example_project()
    h.write_file(dir .. "/.env", "DATABASE_URL=sqlite:x.db\nnot a setting\n")
    local r = h.run(dir, { "upgrade", "head" })
    assert.equal(2, r.status)
    assert.equal('luamig: env file .env: line 2: expected KEY=value, got "not a setting"\n', r.stderr)
    r = h.run(dir, { "--env-file", "missing.env", "upgrade", "head" })
    assert.equal(2, r.status)
    assert.equal("luamig: env file missing.env does not exist\n", r.stderr)
    r = h.run(dir, { "--env-file", ".env", "--no-dotenv", "upgrade", "head" })
    assert.equal(2, r.status)
    assert.equal("luamig: --env-file and --no-dotenv: choose one\n", r.stderr)
    assert.equal(".env\nmigrations\n", h.listing(dir))
  end)
end)

-- The variable each client library reads a password from.
local PASSWORD_VARIABLE = { postgres = "PGPASSWORD", mysql = "MYSQL_PWD" }

backends.each("a password in .env", function(b)
  if b.tag == "sqlite" then return end
  backends.cleanup_after_each()

  it("reaches the client library, which reads the environment itself", function()
    local url = b:new_database()
    local bare = url:gsub("^(%a+://[^:/@]+):[^@]*@", "%1@")
    assert.is_nil(bare:find(os.getenv("LUAMIG_TEST_PASSWORD"), 1, true))
    local dir = h.example_project()
    local unset = { [PASSWORD_VARIABLE[b.tag]] = false }
    local r = h.run(dir, { "-u", bare, "upgrade", "head" }, unset)
    assert.equal(1, r.status)
    assert.same({}, b:tables(url))
    h.write_file(dir .. "/.env", PASSWORD_VARIABLE[b.tag] .. "='" .. os.getenv("LUAMIG_TEST_PASSWORD") .. "'\n")
    h.run_ok(dir, { "-u", bare, "upgrade", "head" }, unset)
    assert.same({ EXAMPLE[3] }, b:versions(url))
  end)
end)

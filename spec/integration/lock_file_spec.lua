-- The SQLite migration lock file (<db>-luamig-lock) is opened without
-- following links, and only a plain lock file is written: a link, FIFO,
-- directory, hard link or file with other content planted at its path is
-- refused (exit 2, the lock file named) and left as it was, and so is the
-- database.
local h = require("helpers.luamig")

local table_revision = h.table_revision

local function sh(cmd)
  assert(os.execute(cmd) == true, cmd)
end

describe("the SQLite lock file", function()
  after_each(h.cleanup)

  -- A project whose database is at a1, with a2 waiting.
  local dir, db, lock_path
  before_each(function()
    dir = h.project { ["migrations/versions/a1.lua"] = table_revision("a1", nil, "t1") }
    db = dir .. "/app.db"
    lock_path = db .. "-luamig-lock"
    h.run_ok(dir, { "-u", "sqlite:app.db", "upgrade", "head" })
    h.write_file(dir .. "/migrations/versions/a2.lua", table_revision("a2", "a1", "t2"))
    os.remove(lock_path)
  end)

  -- The run refuses: exit 2, one line naming the lock file and why; the
  -- database still at a1 with its schema of then.
  local function refused(why)
    local schema = h.sqlite_schema(db)
    local r = h.run(dir, { "-u", "sqlite:app.db", "upgrade", "head" })
    assert.equal(2, r.status, r.stderr)
    assert.equal("luamig: cannot take the migration lock: the lock file app.db-luamig-lock: " .. why
      .. "; luamig neither follows nor overwrites it: remove it if no luamig run is using it,"
      .. " and check who could put it there\n", r.stderr)
    assert.same({ "a1" }, h.sqlite_versions(db))
    assert.equal(schema, h.sqlite_schema(db))
  end

  it("is not followed when it is a symbolic link: the target keeps its content", function()
    h.write_file(dir .. "/precious.txt", "keep me\n")
    sh("ln -s precious.txt " .. h.shell_quote(lock_path))
    refused("it is a symbolic link")
    assert.equal("keep me\n", h.read_file(dir .. "/precious.txt"))
  end)

  it("is not followed when it is a link to nothing: nothing is created", function()
    sh("ln -s created-by-luamig " .. h.shell_quote(lock_path))
    refused("it is a symbolic link")
    assert.is_nil(io.open(dir .. "/created-by-luamig"))
  end)

  it("refuses a hard link to another file", function()
    h.write_file(dir .. "/precious.txt", "keep me\n")
    sh("ln " .. h.shell_quote(dir .. "/precious.txt") .. " " .. h.shell_quote(lock_path))
    refused("it has other names (hard links)")
    assert.equal("keep me\n", h.read_file(dir .. "/precious.txt"))
  end)

  it("refuses a FIFO without waiting on it, and a directory", function()
    sh("mkfifo " .. h.shell_quote(lock_path))
    refused("it is not a regular file")
    os.remove(lock_path)
    sh("mkdir " .. h.shell_quote(lock_path))
    refused("it is a directory")
  end)

  it("refuses a file with more in it than a lock note, and leaves it whole", function()
    local content = string.rep("a line that is not luamig's\n", 40)
    h.write_file(lock_path, content)
    refused("it holds more than a lock note")
    assert.equal(content, h.read_file(lock_path))
  end)

  it("is reused when an earlier run left it, and says who holds it", function()
    h.write_file(lock_path, "luamig someone@somewhere pid 1 since 2020-01-01T00:00:00Z, a longer older note")
    h.run_ok(dir, { "-u", "sqlite:app.db", "upgrade", "head" })
    assert.same({ "a2" }, h.sqlite_versions(db))
    assert.matches("^luamig [^ ]+ pid %d+ since %d%d%d%d%-%d%d%-%d%dT[%d:]+Z$", h.read_file(lock_path))
  end)
end)

-- The file system: a FIFO, a directory or a device where a revision file
-- should be, unreadable files, symlinks (dangling, looping, to a
-- directory), an empty or missing versions directory, text encodings (a
-- BOM, CRLF, CR), names an editor leaves behind (ignored, as Alembic
-- ignores `.#` files), and the SQLite lock file made into a symlink, a
-- directory or a FIFO. Nothing hangs; bad input is exit 2 naming the file.
return function(k)
  local GOOD = k.rev { up = '  op.create_table("good_t", Column("id", Integer, { primary_key = true }))' }
  local V = "migrations/versions/"

  local function sh(ctx, cmd)
    os.execute("cd '" .. ctx.dir .. "' && " .. cmd)
  end

  local function odd(name, prep, names, extra)
    local c = {
      name = name, files = { [k.BAD] = GOOD }, args = { "upgrade", "head" }, status = 2, names = names,
      prepare = function(ctx) sh(ctx, prep) end,
    }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  -- B's text written some other way: it must apply like any other.
  -- (How a file is read does not depend on the database: SQLite only.)
  local function fine(name, text, extra)
    local c = { name = name, files = { [k.BAD] = text }, args = { "upgrade", "head" }, status = 0, versions = { k.B },
      on = { "sqlite" } }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  -- A file an editor or a tool leaves beside B, holding A3's id again (so
  -- that reading it would be a duplicate): ignored, B applies.
  local DUP = k.rev { id = k.A3, down = k.A2 }
  local function ignored(name, path, extra)
    return fine(name, GOOD, { files = { [k.BAD] = GOOD, [path] = DUP }, prepare = extra and extra.prepare })
  end

  -- The SQLite lock file replaced by something else (a database of its own).
  local function lock(name, prep, timeout)
    return {
      name = name, timeout = timeout, on = { "sqlite" }, setup = { { "upgrade", k.A3 } }, files = { [k.BAD] = GOOD },
      args = { "upgrade", "head" }, status = { 1, 2 }, names = { "luamig-lock" },
      prepare = function(ctx)
        local lockfile = "'" .. ctx.dbpath .. "-luamig-lock'"
        os.execute("cd '" .. ctx.dbdir .. "' && rm -f " .. lockfile .. " && " .. prep:gsub("LOCK", lockfile))
      end,
      check = function(ctx)
        local f = io.open(ctx.dbdir .. "/victim.txt", "rb")
        local text = f and f:read("a")
        if f then f:close() end
        if text ~= nil and text ~= "precious\n" then return "the lock file's target was written: " .. text end
      end,
    }
  end

  return {
    odd("a FIFO named like a revision", "mkfifo " .. V .. "b2_fifo.lua", { "b2_fifo.lua" }, { timeout = 5 }),
    odd("a FIFO named like a revision, by a listing command", "mkfifo " .. V .. "b2_fifo.lua", { "b2_fifo.lua" },
      { args = { "heads" }, timeout = 5 }),
    odd("a directory named like a revision", "mkdir " .. V .. "b2_dir.lua", { "b2_dir.lua" }),
    odd("a symlink to /dev/zero", "ln -s /dev/zero " .. V .. "b2_zero.lua", { "b2_zero.lua" }, { timeout = 10 }),
    odd("a symlink to /dev/null", "ln -s /dev/null " .. V .. "b2_null.lua", { "b2_null.lua" }),
    odd("a dangling symlink", "ln -s nowhere.lua " .. V .. "b2_dangling.lua", { "b2_dangling.lua" }),
    odd("a symlink loop", "ln -s b2_loop.lua " .. V .. "b2_loop.lua", { "b2_loop.lua" }),
    odd("a symlink to a directory", "ln -s .. " .. V .. "b2_updir.lua", { "b2_updir.lua" }),
    odd("a symlink to a FIFO elsewhere", "mkfifo pipe && ln -s ../../pipe " .. V .. "b2_pipe.lua", { "b2_pipe.lua" }, { timeout = 5 }),
    odd("an unreadable revision file", "chmod -R a+rX . && chmod 000 " .. k.BAD, { "b1_case.lua" },
      { on = { "postgres", "mysql" }, as = "nobody" }),
    odd("an unreadable versions directory", "chmod -R a+rX . && chmod 000 " .. V, { "migrations/versions" },
      { on = { "postgres", "mysql" }, as = "nobody" }),
    odd("the versions directory is missing", "rm -rf " .. V, { "migrations/versions" }),
    odd("the versions directory is a file", "rm -rf " .. V .. " && echo x > migrations/versions",
      { "migrations/versions" }),
    odd("the versions directory is a FIFO", "rm -rf " .. V .. " && mkfifo migrations/versions",
      { "migrations/versions" }, { timeout = 5 }),
    odd("no revision files, the database at a revision", "rm -f " .. V .. "*.lua", { k.A3 }, { status = { 1, 2 } }),
    odd("the applied head's file is gone", "rm -f " .. V .. "a3_age.lua", { k.A3 }, { status = { 1, 2 } }),

    fine("a BOM", "\239\187\191" .. GOOD),
    fine("CRLF line ends", (GOOD:gsub("\n", "\r\n"))),
    fine("a BOM and CRLF", "\239\187\191" .. GOOD:gsub("\n", "\r\n")),
    fine("CR line ends", (GOOD:gsub("\n", "\r"))),
    fine("no newline at the end", (GOOD:gsub("\n$", ""))),
    fine("tabs for indentation", (GOOD:gsub("  ", "\t"))),
    fine("a file name with spaces", GOOD, { files = { [V .. "b1 my case.lua"] = GOOD } }),
    fine("a file name with bytes that are not UTF-8", GOOD, { files = { [V .. "b1_\255\254.lua"] = GOOD } }),
    fine("a symlink to a revision elsewhere", nil, {
      files = { ["elsewhere/b1.lua"] = GOOD },
      prepare = function(ctx) sh(ctx, "ln -s ../../elsewhere/b1.lua " .. k.BAD) end,
    }),
    ignored("an editor's lock symlink (.#name.lua), dangling", V .. "zz_placeholder.txt", {
      prepare = function(ctx) sh(ctx, "ln -s root@host.1234:1700000000 " .. V .. ".#b1_case.lua") end,
    }),
    ignored("an editor's backup (name.lua~)", V .. "a3_age.lua~"),
    ignored("a merge leftover (name.lua.orig)", V .. "a3_age.lua.orig"),
    ignored("a vim swap file", V .. ".a3_age.lua.swp"),
    ignored("a hidden file", V .. ".a3_copy.lua"),
    {
      name = "a revision's doc with bytes that are not UTF-8, as --json",
      files = { [k.BAD] = k.rev { doc = "caf\233 \255 au lait" } },
      args = { "history", "--json" }, status = 0,
      check = function(_, r)
        if not utf8.len(r.stdout) then return "--json printed bytes that are not UTF-8" end
        if not r.stdout:match("^%s*[%[{]") then return "--json printed no JSON: " .. r.stdout:sub(1, 200) end
      end,
    },

    lock("the lock file is a symlink to another file", "echo precious > victim.txt && ln -s victim.txt LOCK"),
    lock("the lock file is a dangling symlink", "ln -s victim.txt LOCK"),
    lock("the lock file is a directory", "mkdir LOCK"),
    lock("the lock file is a FIFO", "mkfifo LOCK", 5),
  }
end

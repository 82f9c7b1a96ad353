-- Signals while a revision runs: SIGINT and SIGTERM in Lua code, in a
-- statement the server is running (a query, and an INSERT: SQLite rolls
-- the whole transaction back when it interrupts a write, which is no
-- transaction ended by the revision), in a bulk_insert fed by a function,
-- and after DDL on MySQL. The run stops with 130 (SIGINT) or 143 (SIGTERM),
-- says so, and leaves the database as before (MySQL: the recorded state
-- when DDL had run; nothing recorded when nothing had). SIGHUP, which a
-- closed terminal or ssh session sends, is handled the same way (129).
return function(k)
  local MARK = "Running upgrade " .. k.A3 .. " -> " .. k.B
  local SPIN = { "  local stop = os.clock() + 30", "  while os.clock() < stop do end" }

  local function sig(name, signal, status, up, extra)
    local c = {
      name = name, files = k.up(up), args = { "upgrade", "head" }, status = status,
      signal = { mark = MARK, signal = signal }, names = { "SIG" .. signal },
      lines = { "^luamig stopped" },
    }
    for key, v in pairs(extra or {}) do c[key] = v end
    return c
  end

  local function server_sleep(ctx)
    if ctx.b.tag == "postgres" then return '  op.execute("SELECT pg_sleep(30)")' end
    if ctx.b.tag == "mysql" then return '  op.execute("SELECT SLEEP(3)")' end
    return '  op.get_bind():first("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)'
      .. ' SELECT count(*) AS n FROM c WHERE x < 0")'
  end

  -- An INSERT that runs until it is interrupted, writing nothing before.
  local server_insert = function(ctx)
    if ctx.b.tag == "postgres" then
      return '  op.execute("INSERT INTO users (id, name) SELECT 5000, \'n\' FROM pg_sleep(30)")'
    end
    if ctx.b.tag == "mysql" then
      return '  op.execute("INSERT INTO users (id, name) SELECT 5000, \'n\' FROM DUAL WHERE SLEEP(3) = 0")'
    end
    return '  op.execute("INSERT INTO users (id, name) VALUES ((WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL'
      .. ' SELECT x + 1 FROM c) SELECT count(*) FROM c WHERE x < 0), \'n\')")'
  end

  return {
    sig("SIGINT in Lua code", "INT", 130, SPIN),
    sig("SIGTERM in Lua code", "TERM", 143, SPIN),
    sig("SIGHUP in Lua code", "HUP", 129, SPIN),
    sig("SIGINT in a statement the server runs", "INT", 130, nil, {
      files = { [k.BAD] = function(ctx) return k.rev { up = server_sleep(ctx) } end },
    }),
    sig("SIGTERM in an INSERT the database runs", "TERM", 143, nil, {
      files = { [k.BAD] = function(ctx) return k.rev { up = { '  op.execute("UPDATE users SET name = \'x\'")',
        server_insert(ctx) } } end },
    }),
    sig("SIGTERM in a bulk_insert fed by a function", "TERM", 143,
      { "  local i = 0", '  op.bulk_insert("users", function()', "    i = i + 1",
        '    return { id = 1000 + i, name = "n" }', "  end)" }),
    sig("SIGINT after DDL", "INT", 130,
      { '  op.execute("CREATE TABLE sig_t (id INTEGER)")', SPIN[1], SPIN[2] },
      -- a second more, so that the CREATE TABLE has run when the signal comes
      { ran = { "CREATE TABLE sig_t (id INTEGER)" }, signal = { mark = MARK, signal = "INT", delay = "1.3" } }),
    sig("SIGINT in downgrade()", "INT", 130, nil, {
      setup = { { "upgrade", "head" } }, args = { "downgrade", k.A3 }, prev = k.B,
      files = { [k.BAD] = k.rev { up = '  op.execute("CREATE TABLE down_t (id INTEGER)")', down_body = SPIN } },
      signal = { mark = "Running downgrade " .. k.B .. " -> " .. k.A3, signal = "INT" },
    }),
  }
end

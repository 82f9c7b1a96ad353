-- Writes the data-migration workloads, each the same for every tool:
--   <out>/rows.tsv        ROWS rows of (id, name, n, f, note), tab-separated:
--                         the native loaders' input
--   <out>/luamig_bulk/    a luamig revision inserting ROWS rows with
--                         op.bulk_insert, from a list built first
--                         (BENCH_MODE=list) or from a function making them
--                         one at a time (BENCH_MODE=stream)
--   <out>/luamig_backfill/  a revision updating every row of
--                         backfill_rows (BACKFILL rows of id, n, label
--                         NULL), one UPDATE per row read (db:execute)
--   <out>/luamig_backfill_queue/  the same loop with db:queue (pipelined)
--   <out>/backfill_updates.sql, <out>/backfill_values.sql  the server's
--                         own fastest paths for psql: the same UPDATEs as
--                         one multi-statement query in one transaction, and
--                         one UPDATE ... FROM (VALUES ...)
--   <out>/backfill_mariadb_{updates,values,upsert}.sql  the same for the
--                         mariadb client: the UPDATEs as one query, one
--                         UPDATE ... JOIN (VALUES ...), one INSERT ... ON
--                         DUPLICATE KEY UPDATE
--   <out>/luamig_scan/    a revision reading SCAN rows through db:rows()
--   <out>/alembic_bulk/, <out>/alembic_backfill/  the same in Alembic
-- The tables are made beforehand by bench/data.sh with the same SQL for
-- every tool. luamig's -v progress line gives the time of the operation
-- itself; the Alembic revisions print theirs.
-- usage: lua5.4 bench/gen_data.lua ROWS BACKFILL SCAN OUTDIR

package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require("common")

local rows = assert(tonumber(arg[1]), "usage: gen_data.lua ROWS BACKFILL SCAN OUTDIR")
local backfill = assert(tonumber(arg[2]), "usage: gen_data.lua ROWS BACKFILL SCAN OUTDIR")
local scan = assert(tonumber(arg[3]), "usage: gen_data.lua ROWS BACKFILL SCAN OUTDIR")
local out = assert(arg[4], "usage: gen_data.lua ROWS BACKFILL SCAN OUTDIR")

-- One row, the same in every tool: the TSV, the Lua and the Python.
local function row_text(i)
  return string.format("%d\tname %d\t%d\t%.17g\tsome note text\n", i, i, i * 3, i / 7)
end

local function write_tsv(path, n, line)
  local f = assert(io.open(path, "w"))
  local buf, k = {}, 0
  for i = 1, n do
    k = k + 1
    buf[k] = line(i)
    if k == 10000 then f:write(table.concat(buf)); buf, k = {}, 0 end
  end
  f:write(table.concat(buf, "", 1, k))
  f:close()
end

write_tsv(out .. "/rows.tsv", rows, row_text)

local function luamig_project(name, body)
  os.execute("mkdir -p " .. out .. "/" .. name .. "/migrations/versions")
  common.luamig_revision(out .. "/" .. name .. "/migrations/versions/d1_data.lua",
    { doc = name, id = "d1", down = "nil", up = body })
end

luamig_project("luamig_bulk", string.format([[
  local n = %d
  local function row(i)
    return { id = i, name = "name " .. i, n = i * 3, f = i / 7, note = "some note text" }
  end
  if os.getenv("BENCH_MODE") == "stream" then
    local i = 0
    op.bulk_insert("bulk_rows", function()
      if i == n then return nil end
      i = i + 1
      return row(i)
    end, { total = n })
  else
    local rows = {}
    for i = 1, n do rows[i] = row(i) end
    op.bulk_insert("bulk_rows", rows)
  end]], rows))

luamig_project("luamig_backfill", string.format([[
  local db = op.get_bind()
  local p = op.progress(%d, "backfill")
  for r in db:rows("SELECT id, n FROM backfill_rows") do
    db:execute("UPDATE backfill_rows SET label = ? WHERE id = ?", "n=" .. r.n, r.id)
    p:add()
  end
  p:finish()]], backfill))

luamig_project("luamig_backfill_queue", string.format([[
  local db = op.get_bind()
  local p = op.progress(%d, "backfill")
  for r in db:rows("SELECT id, n FROM backfill_rows") do
    db:queue("UPDATE backfill_rows SET label = ? WHERE id = ?", "n=" .. r.n, r.id)
    p:add()
  end
  db:flush()
  p:finish()]], backfill))

-- psql sends a script's statements one by one, waiting for each answer;
-- statements joined by \; go as one query, the server running them
-- back to back: the same UPDATEs as the revisions (id, n = 3 id), in one
-- transaction.
write_tsv(out .. "/backfill_updates.sql", backfill + 2, function(i)
  if i == 1 then return "BEGIN \\;\n" end
  if i == backfill + 2 then return "COMMIT;\n" end
  local id = i - 1
  return string.format("UPDATE backfill_rows SET label = 'n=%d' WHERE id = %d \\;\n", id * 3, id)
end)
-- A statement of one list of the backfill's (id, label) rows between
-- `head` and `tail`.
local function values_script(path, head, tail)
  write_tsv(path, backfill + 2, function(i)
    if i == 1 then return head end
    if i == backfill + 2 then return tail end
    local id = i - 1
    return string.format("%s(%d, 'n=%d')\n", id > 1 and "," or " ", id, id * 3)
  end)
end
values_script(out .. "/backfill_values.sql", "UPDATE backfill_rows b SET label = v.label FROM (VALUES\n",
  ") AS v(id, label) WHERE b.id = v.id;\n")

-- The same for the mariadb client, which sends a script's statements one
-- by one unless a DELIMITER other than `;` makes the whole script one
-- query (the server then runs the statements back to back, as psql's \;);
-- and the two single statements MariaDB has for it: a join with a table
-- value constructor (a CTE names its columns: MariaDB 10.11 takes no
-- column list after a derived table's alias), and an INSERT ... ON
-- DUPLICATE KEY UPDATE of the existing rows.
write_tsv(out .. "/backfill_mariadb_updates.sql", backfill + 2, function(i)
  if i == 1 then return "DELIMITER //\nSTART TRANSACTION;\n" end
  if i == backfill + 2 then return "COMMIT//\n" end
  local id = i - 1
  return string.format("UPDATE backfill_rows SET label = 'n=%d' WHERE id = %d;\n", id * 3, id)
end)
values_script(out .. "/backfill_mariadb_values.sql", "UPDATE backfill_rows b JOIN (WITH v(id, label) AS (VALUES\n",
  ") SELECT id, label FROM v) AS v ON b.id = v.id SET b.label = v.label;\n")
values_script(out .. "/backfill_mariadb_upsert.sql", "INSERT INTO backfill_rows (id, label) VALUES\n",
  "ON DUPLICATE KEY UPDATE label = VALUES(label);\n")

-- The scan's rows come from the server itself: a series of SCAN numbers.
luamig_project("luamig_scan", string.format([[
  local n = %d
  local db = op.get_bind()
  local sql = {
    postgres = "SELECT g AS id, 'row ' || g AS name FROM generate_series(1, " .. n .. ") AS g",
    mysql = "SELECT seq AS id, CONCAT('row ', seq) AS name FROM seq_1_to_" .. n,
    sqlite = "WITH RECURSIVE s(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM s WHERE id < " .. n
      .. ") SELECT id, 'row ' || id AS name FROM s",
  }
  local p = op.progress(n, "scan")
  local count = 0
  for r in db:rows(sql[db:driver()]) do
    count = count + 1
    if count %% 10000 == 0 then p:add(10000) end
  end
  p:add(count %% 10000)
  p:finish()
  assert(count == n, "scanned " .. count .. " rows")]], scan))

local function alembic_project(name, body)
  os.execute("mkdir -p " .. out .. "/" .. name .. "/versions")
  common.alembic_revision(out .. "/" .. name .. "/versions/d1_data.py", {
    doc = name, imports = { "import os, sys, time", "from alembic import op", "import sqlalchemy as sa" },
    id = "d1", down = "None", up = body, down_body = "    pass",
  })
  common.alembic_project(out .. "/" .. name)
end

alembic_project("alembic_bulk", string.format([[
    n = %d
    table = sa.table("bulk_rows", sa.column("id"), sa.column("name"), sa.column("n"), sa.column("f"),
                     sa.column("note"))
    rows = [{"id": i, "name": "name %%d" %% i, "n": i * 3, "f": i / 7, "note": "some note text"}
            for i in range(1, n + 1)]
    started = time.monotonic()
    op.bulk_insert(table, rows)
    print("operation_seconds=%%.3f" %% (time.monotonic() - started), file=sys.stderr)]], rows))

alembic_project("alembic_backfill", [[
    bind = op.get_bind()
    started = time.monotonic()
    update = sa.text("UPDATE backfill_rows SET label = :label WHERE id = :id")
    for r in bind.execute(sa.text("SELECT id, n FROM backfill_rows")).fetchall():
        bind.execute(update, {"label": "n=%d" % r.n, "id": r.id})
    print("operation_seconds=%.3f" % (time.monotonic() - started), file=sys.stderr)]])

print(string.format("wrote %d bulk rows, %d backfill rows and a %d-row scan under %s", rows, backfill, scan, out))

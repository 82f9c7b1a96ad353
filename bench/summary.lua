-- bench/summary.lua: the one table of bench/run.sh, from the rows its
-- workloads appended to a summary file (tab-separated: workload, luamig,
-- peer, Alembic, ratio, goal; see `summarize` in bench/run.sh), and, with
-- --readme FILE, that table written into FILE between the markers
--   <!-- bench/run.sh --markdown: start -->  and  <!-- ... end -->
-- so that the README carries no figure the bench did not print.
--   lua5.4 bench/summary.lua SUMMARY_FILE HEADER_LINE [--readme FILE]

local path, header = arg[1], arg[2]
assert(path and header, "usage: lua5.4 bench/summary.lua SUMMARY_FILE HEADER_LINE [--readme FILE]")
local readme = arg[3] == "--readme" and arg[4] or nil

local START = "<!-- bench/run.sh --markdown: start -->"
local END = "<!-- bench/run.sh --markdown: end -->"

local lines = {
  header,
  "",
  "| workload | luamig | peer | Alembic | ratio | goal |",
  "|---|---:|---:|---:|---|---|",
}
local f = assert(io.open(path, "r"))
for line in f:lines() do
  local cells = {}
  for cell in (line .. "\t"):gmatch("([^\t]*)\t") do cells[#cells + 1] = cell end
  for i = 1, 6 do cells[i] = cells[i] or "" end
  lines[#lines + 1] = "| " .. table.concat(cells, " | ", 1, 6) .. " |"
end
f:close()
local text = table.concat(lines, "\n")
print(text)

if readme then
  local r = assert(io.open(readme, "r"))
  local old = r:read("a")
  r:close()
  local a, b = old:find(START, 1, true)
  local c = old:find(END, 1, true)
  assert(a and c and c > b, readme .. " has no " .. START .. " ... " .. END .. " section")
  local new = old:sub(1, b) .. "\n" .. text .. "\n" .. old:sub(c)
  local tmp = readme .. ".tmp"
  local w = assert(io.open(tmp, "w"))
  w:write(new)
  w:close()
  assert(os.rename(tmp, readme))
  io.stderr:write("bench/summary.lua: wrote the table into ", readme, "\n")
end

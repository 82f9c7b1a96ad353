-- The Debian packages (debian/): bench/deb.sh builds them from a clean
-- clone of this tree (with its uncommitted changes: --worktree) with
-- `dpkg-buildpackage -b -us -uc`, runs lintian (an error fails), installs
-- luamig, libluamig0 and libluamig-dev with dpkg -i, uses them from a clean
-- environment (luamig --version, init + upgrade head on SQLite, the drivers,
-- man luamig, the completions, lua5.4 require("luamig.testing"), pkg-config,
-- a C program linked with libluamig.so.0) and purges them. About a minute
-- on 2 cores, plus the first time the packaging tools it installs (apt-get:
-- debhelper, dpkg-dev, fakeroot, lintian).
-- Needs root (dpkg -i). Runs in test.sh's release pass only: it builds its
-- own binaries, so the sanitizer and valgrind hosts would add nothing.
local h = require("helpers.luamig")

local PACKAGES = { "luamig", "libluamig0", "libluamig-dev" }

-- Whether package p is (even partly) installed: not merely known or purged.
local function present(p)
  local status = h.sh("dpkg-query -W -f='${Status}' " .. p .. " 2>/dev/null").stdout
  return status ~= "" and not status:match("not%-installed$") and not status:match("config%-files$")
end

local function why_not()
  if h.sh("id -u").stdout:match("%d+") ~= "0" then return "needs root (dpkg -i, dpkg -P)" end
  if h.bin:match("/sanitize/") or h.bin:match("/debug/") then
    return "the release pass runs it (it builds its own binaries)"
  end
  if h.sh("command -v dpkg-query apt-get git").status ~= 0 then return "needs dpkg, apt-get and git (Debian)" end
  for _, p in ipairs(PACKAGES) do
    if present(p) then return p .. " is installed on this machine: the spec would replace it" end
  end
  return nil
end

describe("Debian packages #sqlite", function()
  it("build from a clean clone, pass lintian, install, run and purge", function()
    local reason = why_not()
    if reason then return pending(reason) end
    local r = h.sh("bench/deb.sh --worktree 2>&1")
    assert(r.status == 0 and r.stdout:match("\ndeb: ok %(%d+ s%)\n$"),
      "bench/deb.sh --worktree exited " .. tostring(r.status) .. ":\n" .. r.stdout .. r.stderr)
    for _, p in ipairs(PACKAGES) do
      assert.is_false(present(p), p .. " is still installed")
    end
  end)
end)

-- luamig.sys (runner/modules/sys.c): the OS services the Lua side uses, checked
-- against what the OS itself says.

local sys = require("luamig.sys")

local h = require("helpers.luamig")
local read_file, write_file = h.read_file, h.write_file

local function tmpdir()
  local path = os.tmpname()
  os.remove(path)
  assert(sys.mkdir(path))
  return path
end

describe("luamig.sys", function()
  local dir

  before_each(function() dir = tmpdir() end)
  after_each(function()
    for _, name in ipairs(sys.listdir(dir) or {}) do
      local p = dir .. "/" .. name
      for _, inner in ipairs(sys.listdir(p) or {}) do os.remove(p .. "/" .. inner) end
      os.remove(p)
    end
    os.remove(dir)
  end)

  -- A call on dir .. `name` returned nil and "<that path>: <reason>", as
  -- every sys function reports an OS error.
  local function fails_on(name, reason, ok, msg)
    assert.is_nil(ok)
    assert.equal(dir .. name .. ": " .. reason, msg)
  end

  describe("listdir", function()
    it("lists entry names without . and ..", function()
      assert.same({}, sys.listdir(dir))
      write_file(dir .. "/a.txt", "x")
      assert(sys.mkdir(dir .. "/sub"))
      write_file(dir .. "/.hidden", "")
      local names = assert(sys.listdir(dir))
      table.sort(names)
      assert.same({ ".hidden", "a.txt", "sub" }, names)
    end)

    it("sorts bytewise, and keeps only the names with a suffix not starting with a byte of skip", function()
      for _, name in ipairs { "b.lua", "a.lua", "_helper.lua", ".hidden.lua", "Z.lua", "notes.txt", "x.lua.bak",
          ".lua", "lua" } do
        write_file(dir .. "/" .. name, "")
      end
      assert(sys.mkdir(dir .. "/sub.lua"))
      assert.same({ ".hidden.lua", ".lua", "Z.lua", "_helper.lua", "a.lua", "b.lua", "lua", "notes.txt", "sub.lua",
        "x.lua.bak" }, sys.listdir(dir))
      assert.same({ ".hidden.lua", ".lua", "Z.lua", "_helper.lua", "a.lua", "b.lua", "sub.lua" },
        sys.listdir(dir, ".lua"))
      assert.same({ "Z.lua", "a.lua", "b.lua", "sub.lua" }, sys.listdir(dir, ".lua", "._"))
      assert.same({ "notes.txt" }, sys.listdir(dir, ".txt", "._"))
    end)

    it("returns nil, msg for a missing directory or a file", function()
      fails_on("/missing", "No such file or directory", sys.listdir(dir .. "/missing"))
      write_file(dir .. "/f", "")
      fails_on("/f", "Not a directory", sys.listdir(dir .. "/f"))
    end)
  end)

  describe("read_file and read_files", function()
    -- In a child process under `timeout`: a read that blocks fails the
    -- spec instead of hanging the suite.
    local function read_in_child(call, arg_dir, name)
      local child = os.tmpname()
      write_file(child, string.format([[
package.cpath = "bin/?.so;" .. package.cpath
local sys = require("luamig.sys")
local r, msg = %s
io.write(r and "read" or msg)]], call))
      local p = io.popen(string.format("timeout 10 lua5.4 %s '%s' '%s'; echo \" exit=$?\"", child, arg_dir, name))
      local out = p:read("l")
      p:close()
      os.remove(child)
      return out
    end

    it("reads a regular file, also through a symbolic link", function()
      write_file(dir .. "/a.lua", "x")
      os.execute(string.format("ln -s a.lua '%s/l.lua'", dir))
      assert.equal("x", sys.read_file(dir .. "/l.lua"))
      assert.same({ "x", "x" }, sys.read_files(dir, { "a.lua", "l.lua" }))
    end)

    it("refuses a FIFO, a directory, a socket or a device at once, naming the path and what it is", function()
      assert.is_true(os.execute(string.format("mkfifo '%s/fifo.lua' && mkdir '%s/dir.lua' && ln -s /dev/null '%s/null.lua'"
        .. " && python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' '%s/sock.lua'",
        dir, dir, dir, dir)))
      for name, what in pairs { ["fifo.lua"] = "a FIFO", ["dir.lua"] = "a directory", ["null.lua"] = "a character device",
        ["sock.lua"] = "a socket" } do
        local p = dir .. "/" .. name
        local want = p .. ": is " .. what .. ", not a regular file exit=0"
        assert.equal(want, read_in_child("sys.read_file(arg[1] .. '/' .. arg[2])", dir, name))
        assert.equal(want, read_in_child("sys.read_files(arg[1], { arg[2] })", dir, name))
      end
      -- a FIFO that holds data, with a writer: still not read
      local fifo = dir .. "/fifo.lua"
      local p = io.popen(string.format("bash -c 'exec 3<>%s; printf \"revision = 1\" >&3; sleep 20' >/dev/null 2>&1 & echo $!", fifo))
      local writer = p:read("l")
      p:close()
      os.execute("sleep 0.2")
      local got = read_in_child("sys.read_file(arg[1] .. '/' .. arg[2])", dir, "fifo.lua")
      os.execute("kill " .. writer)
      assert.equal(fifo .. ": is a FIFO, not a regular file exit=0", got)
      local many = {}
      for i = 1, 300 do -- read on threads
        many[i] = string.format("%03d.lua", i)
        write_file(dir .. "/" .. many[i], "x")
      end
      many[150] = "fifo.lua"
      assert.equal(dir .. "/fifo.lua: is a FIFO, not a regular file exit=0",
        read_in_child("sys.read_files(arg[1], load('return ' .. arg[2])())", dir,
          "{" .. table.concat((function() local q = {} for i, n in ipairs(many) do q[i] = string.format("%q", n) end return q end)(), ",") .. "}"))
    end)
  end)

  describe("stat", function()
    it("tells files from directories, with size and mtime", function()
      local before = os.time()
      write_file(dir .. "/f", "hello")
      local st = assert(sys.stat(dir .. "/f"))
      assert.equal("file", st.type)
      assert.equal(5, st.size)
      assert.equal("integer", math.type(st.mtime))
      assert.is_true(math.abs(st.mtime - before) <= 2)
      assert.equal("dir", assert(sys.stat(dir)).type)
      assert.equal("other", assert(sys.stat("/dev/null")).type)
    end)

    it("returns nil, msg for a missing path", function()
      fails_on("/nope", "No such file or directory", sys.stat(dir .. "/nope"))
    end)
  end)

  describe("mkdir", function()
    it("creates one level", function()
      assert.is_true(sys.mkdir(dir .. "/d"))
      assert.equal("dir", sys.stat(dir .. "/d").type)
    end)

    it("fails on an existing directory and a missing parent", function()
      assert(sys.mkdir(dir .. "/d"))
      fails_on("/d", "File exists", sys.mkdir(dir .. "/d"))
      fails_on("/x/y", "No such file or directory", sys.mkdir(dir .. "/x/y"))
    end)
  end)

  describe("clocks", function()
    it("now is the wall clock in seconds, as a float", function()
      local now = sys.now()
      assert.equal("float", math.type(now))
      assert.is_true(math.abs(now - os.time()) < 2)
    end)

    it("monotonic goes forward", function()
      local a = sys.monotonic()
      local b
      repeat b = sys.monotonic() until b > a
      assert.is_true(b - a < 1)
    end)
  end)

  describe("random_hex", function()
    it("gives the number of lowercase hex digits asked for", function()
      for _, n in ipairs { 0, 1, 7, 12, 32, 101 } do
        local s = sys.random_hex(n)
        assert.equal(n, #s)
        assert.matches("^[0-9a-f]*$", s)
      end
    end)

    it("differs from call to call and uses every digit", function()
      local a, b = sys.random_hex(32), sys.random_hex(32)
      assert.not_equal(a, b)
      local big = sys.random_hex(4096)
      for c in ("0123456789abcdef"):gmatch(".") do assert.truthy(big:find(c, 1, true)) end
    end)

    it("raises on a negative count", function()
      assert.has_error(function() sys.random_hex(-1) end,
        "bad argument #1 to 'random_hex' (out of range)")
    end)
  end)

  describe("process", function()
    it("getpid is this process's id", function()
      local stat = read_file("/proc/self/stat")  -- read by this very process
      assert.equal(tonumber(stat:match("^(%d+)")), sys.getpid())
    end)

    it("hostname is the kernel's host name", function()
      assert.equal(read_file("/proc/sys/kernel/hostname"):gsub("%s+$", ""), sys.hostname())
    end)

    it("username is the effective user's name", function()
      local p = assert(io.popen("id -un"))
      local name = p:read("l")
      p:close()
      assert.equal(name, sys.username())
    end)

    it("isatty is false for a file and a bad descriptor", function()
      local f = assert(io.open(dir .. "/f", "w"))
      assert.is_false(sys.isatty(f))
      f:close()
      assert.is_false(sys.isatty(-1))
      assert.is_false(sys.isatty(1000))
      assert.has_error(function() sys.isatty(f) end,
        "bad argument #1 to 'isatty' (file is closed)")
    end)

    it("isatty is true for a terminal", function()
      local tty = io.open("/dev/tty", "r")
      if not tty then return end  -- no controlling terminal here (CI)
      assert.is_true(sys.isatty(tty))
      tty:close()
    end)
  end)

  it("version is luamig's version string", function()
    assert.matches("^%d+%.%d+%.%d+$", sys.version)
  end)

  it("exe_path is the luamig executable in the host, nil in plain lua", function()
    if package.preload["luamig.sys"] then  -- running inside bin/luamig
      local path = sys.exe_path()
      assert.matches("^/.*/luamig$", path)
      assert.equal("file", sys.stat(path).type)
    else
      assert.is_nil(sys.exe_path())
    end
  end)
end)

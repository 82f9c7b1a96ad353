-- luamig.config.dotenv.parse: the lines of a .env file as dbmate's
-- godotenv reads them.
local dotenv = require("luamig.config.dotenv")

local function parse(text, env)
  return dotenv.parse(text, function(k) return (env or {})[k] end)
end

describe("dotenv.parse", function()
  it("reads KEY=value and export KEY=value, skipping comments and blank lines", function()
    assert.same({ { "A", "1" }, { "B", "two words" }, { "C", "" }, { "D.E", "x" } },
      assert(parse("# a comment\n\nA=1\r\nexport B = two words  # why\n  C=\nD.E=x\n")))
  end)

  it("takes single quotes as they are, double quotes with escapes", function()
    assert.same({ { "A", "a #b $HOME \\n" }, { "B", 'x\ny "q" $ \\' }, { "C", "p#w" } },
      assert(parse("A='a #b $HOME \\n'\nB=\"x\\ny \\\"q\\\" \\$ \\\\\" # c\nC=p#w\n", { HOME = "/h" })))
  end)

  it("replaces $VAR and ${VAR}, from the environment or the file's earlier lines", function()
    assert.same({ { "HOST", "db" }, { "URL", "postgresql://me@db/app_/h" }, { "Q", "db-" } },
      assert(parse('HOST=db\nURL=postgresql://me@${HOST}/app_$HOME\nQ="$HOST-$NOPE"\n', { HOME = "/h" })))
  end)

  it("names the line of a mistake", function()
    local vars, err = parse("A=1\nnot a line\n")
    assert.is_nil(vars)
    assert.equal('line 2: expected KEY=value, got "not a line"', err)
    vars, err = parse("A=1\nB=\"open\n")
    assert.is_nil(vars)
    assert.equal("line 2: a double quote that does not end (B)", err)
    vars, err = parse("C='x' y\n")
    assert.is_nil(vars)
    assert.equal("line 1: text after the closing quote (C)", err)
    vars, err = parse("1X=2\n")
    assert.is_nil(vars)
    assert.matches("line 1: expected KEY=value", err, 1, true)
  end)
end)

-- luamig as a rock: `luarocks --lua-version 5.4 make` in a checkout builds
-- with the project's Makefile (premake and the libraries as README's
-- Building says: liblua5.4-dev, libsqlite3-dev, libpq-dev, libmariadb-dev)
-- and installs the executable, the Lua modules, the C module luamig.so and
-- the drivers into the LuaRocks tree (Makefile target rock-install).
rockspec_format = "3.0"
package = "luamig"
version = "scm-1"
source = {
  url = "git+file:///luamig",  -- `luarocks make` builds the checkout it runs in
}
description = {
  summary = "Database migrations in Lua: Alembic's model as one fast native tool",
  detailed = [[
luamig runs schema revisions written in Lua (upgrade() and downgrade()
calling op.create_table, op.add_column, ...) against SQLite, PostgreSQL and
MySQL/MariaDB, with locking, checksums of applied revisions, batch mode for
SQLite, autogenerate and luamig.testing for busted.]],
  license = "MIT",
  labels = { "database", "migrations", "sqlite", "postgresql", "mysql" },
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
build = {
  type = "make",
  build_target = "release",
  build_variables = { PREFIX = "$(PREFIX)" },
  install_target = "rock-install",
  install_variables = {
    ROCK_LUADIR = "$(LUADIR)",
    ROCK_LIBDIR = "$(LIBDIR)",
    ROCK_BINDIR = "$(BINDIR)",
  },
}

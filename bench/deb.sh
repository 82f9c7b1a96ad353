#!/usr/bin/env bash
# bench/deb.sh: the Debian packages, from a clean clone to an installed and
# working luamig, then removed again. As root on Debian 12 (it runs dpkg -i
# and dpkg -P); about a minute on 2 cores.
#
#   bench/deb.sh               clone HEAD, build, lintian, install, check, purge
#   bench/deb.sh --worktree    the same with the tree's uncommitted changes
#                              (tracked and untracked files) laid over the clone
#   bench/deb.sh --keep        leave the build directory (printed) for a look
#
# Steps: git clone (debian/ copied from the tree when HEAD has none yet);
# `dpkg-buildpackage -b -us -uc`; lintian on the .changes (any E: fails, W:
# are printed); `dpkg -i` of the .debs; then, with a clean environment
# (PATH=/usr/bin:/bin, no LUA_PATH) in a temporary directory: luamig
# --version, init + revision + upgrade head + current on SQLite, the editor
# files pointing at /usr/share/luamig/meta, the PostgreSQL and MySQL drivers
# loading (a connection refused, not a missing driver), man luamig, the
# bash completion, lua5.4 require("luamig.testing") and the C module from
# Debian's paths, pkg-config --cflags --libs luamig, and a C program built
# with pkg-config against libluamig.so.0 migrating a database. Whatever
# happens, the packages are purged (dpkg -P) and the temporary files removed
# at the end. Prints one line per step and `deb: ok (N s)` or exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

worktree=0
keep=0
for a in "$@"; do
  case "$a" in
    --worktree) worktree=1 ;;
    --keep) keep=1 ;;
    *) echo "deb.sh: unknown option $a (use --worktree, --keep)" >&2; exit 2 ;;
  esac
done

PACKAGES="luamig libluamig0 libluamig-dev"
start=$(date +%s)
# Whether package $1 is (even partly) installed: not merely known or purged.
present() {
  case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" in
    ""|*not-installed|*config-files) return 1 ;;
    *) return 0 ;;
  esac
}
step() { printf 'deb: %-44s %3d s\n' "$1" "$(( $(date +%s) - start ))"; }
fail() { echo "deb: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (dpkg -i, dpkg -P)"
for p in $PACKAGES; do
  if present "$p"; then
    fail "$p is already installed; remove it first (dpkg -P $PACKAGES)"
  fi
done

# The packaging tools and the build dependencies, only what is missing.
tools="build-essential debhelper dpkg-dev fakeroot lintian git man-db"
build_deps="premake4 liblua5.4-dev libsqlite3-dev libpq-dev libmariadb-dev pkg-config lua5.4"
missing=()
for p in $tools $build_deps; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deb: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/luamig-deb.XXXXXX")
installed=0
cleanup() {
  local rc=$?
  if [ "$installed" = 1 ]; then
    dpkg -P $PACKAGES >/dev/null 2>&1 || { echo "deb: dpkg -P $PACKAGES failed" >&2; rc=1; }
    for p in $PACKAGES; do
      if present "$p"; then
        echo "deb: $p is still installed" >&2; rc=1
      fi
    done
  fi
  if [ "$keep" = 1 ]; then echo "deb: kept $work" >&2; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. A clean clone, as a distribution's builder would see the sources.
src="$work/luamig"
git clone -q "$REPO" "$src"
if [ "$worktree" = 1 ]; then
  git -C "$REPO" diff --binary HEAD | git -C "$src" apply --allow-empty
  git -C "$REPO" ls-files -z --others --exclude-standard | (cd "$REPO" && xargs -0 -r cp --parents -t "$src")
fi
[ -d "$src/debian" ] || cp -r "$REPO/debian" "$src/debian"
step "clone$([ "$worktree" = 1 ] && echo " + uncommitted changes")"

# 2. Build.
log="$work/build.log"
# A clean environment: nothing of the caller's (DATABASE_URL, LUAMIG_*) in the build.
if ! (cd "$src" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="${HOME:-/root}" LANG=C.UTF-8 \
      ${DEB_BUILD_OPTIONS:+DEB_BUILD_OPTIONS="$DEB_BUILD_OPTIONS"} dpkg-buildpackage -b -us -uc) > "$log" 2>&1; then
  tail -n 40 "$log" >&2
  fail "dpkg-buildpackage (the whole log: $log; --keep keeps it)"
fi
grep -E '^(dpkg-deb: building|dh_[a-z_]+: warning)' "$log" | sed 's/^/deb:   /' || true
changes=$(ls "$work"/*.changes)
step "dpkg-buildpackage -b -us -uc"

# 3. lintian: errors fail, warnings are shown.
lint="$work/lintian.txt"
lintian --fail-on none -I "$changes" > "$lint" 2>&1 || true
grep -v '^running with root privileges' "$lint" | sed 's/^/deb:   /' || true
if grep -q '^E: ' "$lint"; then fail "lintian reports errors"; fi
step "lintian ($(grep -c '^W: ' "$lint" || true) warnings)"

# 4. Install.
debs=()
for p in $PACKAGES; do debs+=("$work/${p}_"*.deb); done
installed=1
dpkg -i "${debs[@]}" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i"; }
step "dpkg -i $PACKAGES"

# 5. Use it as a user would: a clean environment, another directory.
run="$work/run"
mkdir -p "$run/home"
u() { (cd "$run" && env -i PATH=/usr/bin:/bin HOME="$run/home" LANG=C.UTF-8 "$@"); }
check() {  # check WHAT COMMAND...: the command's output is kept in $out
  local what=$1; shift
  if ! out=$(u "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    fail "$what"
  fi
}

[ "$(u sh -c 'command -v luamig')" = /usr/bin/luamig ] || fail "luamig is not /usr/bin/luamig"
check "luamig --version" luamig --version
version=$(dpkg-query -W -f='${Version}' luamig)
[ "$out" = "luamig ${version%-*}" ] || fail "luamig --version says '$out', the package is $version"
step "luamig --version: $out"

check "luamig init" luamig -q init
check "luamig revision" luamig -q revision -m "create things"
rev=$(basename "$run"/migrations/versions/*_create_things.lua | cut -d_ -f1)
cat > "$run/migrations/versions/${rev}_create_things.lua" <<EOF
-- create things
revision = "$rev"
down_revision = nil
branch_labels = nil
depends_on = nil

function upgrade()
  op.create_table("things", Column("id", Integer, { primary_key = true }), Column("name", String(50)))
end

function downgrade()
  op.drop_table("things")
end
EOF
check "luamig upgrade head" luamig upgrade head
check "luamig current" luamig current
case "$out" in "$rev"*) ;; *) fail "luamig current says '$out', not $rev" ;; esac
if command -v sqlite3 >/dev/null; then
  u sqlite3 luamig.db .tables | grep -qw things || fail "no table things in luamig.db"
fi
[ -s "$run/luamig.db" ] || fail "no luamig.db after upgrade head"
step "luamig init + upgrade head on SQLite: at $rev"

grep -q '/usr/share/luamig/meta/luals' "$run/.luarc.json" || fail ".luarc.json does not name /usr/share/luamig/meta/luals"
step "luamig init: .luarc.json uses /usr/share/luamig/meta"

for url in postgresql://u@127.0.0.1:1/db mysql://u@127.0.0.1:1/db; do
  status=0
  out=$(u luamig -u "$url" current 2>&1) || status=$?
  [ "$status" = 1 ] || { printf '%s\n' "$out" >&2; fail "luamig -u $url current: exit $status, not 1"; }
  if printf '%s' "$out" | grep -q 'driver is not installed\|cannot load'; then
    printf '%s\n' "$out" >&2; fail "the ${url%%:*} driver does not load"
  fi
done
step "PostgreSQL and MySQL drivers load"

check "man luamig" env MANPAGER=cat MANWIDTH=80 man luamig
printf '%s' "$out" | grep -Eq '^ +luamig +- ' || fail "man luamig has no NAME line"
step "man luamig"

check "bash completion" bash -c '. /usr/share/bash-completion/completions/luamig && complete -p luamig'
[ -f /usr/share/zsh/site-functions/_luamig ] || fail "no zsh completion"
step "bash and zsh completions"

check "lua5.4 require luamig.testing" lua5.4 -e '
  local t = require("luamig.testing")
  assert(type(t) == "table")
  local f = package.searchpath("luamig.testing", package.path)
  local c = package.searchpath("luamig", package.cpath)
  assert(f == "/usr/share/lua/5.4/luamig/testing.lua", "luamig.testing from " .. tostring(f))
  assert(c and c:match("^/usr/lib/"), "luamig.so from " .. tostring(c))
  assert(require("luamig.driver"))
  print(f .. " " .. c)'
step "lua5.4 require(\"luamig.testing\")"

check "pkg-config --cflags --libs luamig" pkg-config --cflags --libs luamig
[ "$(echo $out)" = "-lluamig" ] || fail "pkg-config --cflags --libs luamig says '$out'"
check "pkg-config --modversion luamig" pkg-config --modversion luamig
[ "$out" = "${version%-*}" ] || fail "pkg-config --modversion says $out"
step "pkg-config --cflags --libs luamig: -lluamig"

cp -r "$src/examples/embed" "$run/embed"
check "cc app.c \$(pkg-config --cflags --libs luamig)" \
  sh -c 'cc -o embed/app embed/app.c $(pkg-config --cflags --libs luamig)'
check "the embedding program" embed/app embed.db embed/migrations
[ -s "$run/embed.db" ] || fail "the embedding program made no database"
ldd "$run/embed/app" | grep -Eq 'libluamig\.so\.0 => (/usr)?/lib/' || fail "the program does not use /usr/lib/.../libluamig.so.0"
step "a C program with libluamig.so.0"

installed=0
dpkg -P $PACKAGES > /dev/null
for f in /usr/bin/luamig /usr/share/lua/5.4/luamig /usr/lib/luamig; do
  [ ! -e "$f" ] || fail "$f is left after dpkg -P"
done
step "dpkg -P $PACKAGES"
echo "deb: ok ($(( $(date +%s) - start )) s)"

#!/usr/bin/env bash
# Batch mode's table rebuild on SQLite, timed against the same rebuild
# written by hand and run by sqlite3.
#   bench/batch_rebuild.sh [--rows N] [--runs N] [--luamig PATH]
# The table: N rows (default 100,000) with an INTEGER PRIMARY KEY, a UNIQUE
# column, a foreign key to a 100-row table, two indexes, and a table whose
# rows reference it. The change: one column's type (VARCHAR(40) -> TEXT)
# and NOT NULL on it, a new default on another, which SQLite's ALTER TABLE
# cannot do.
#   luamig:  `luamig upgrade head` of a revision with op.batch_alter_table
#            (start-up, reading the table, the rebuild, the version row);
#   sqlite3: the documented 12 steps by hand (create, copy, drop, rename,
#            indexes) in one transaction.
# Each run starts from a copy of the same database file. Needs hyperfine
# and sqlite3 (bench/run.sh installs them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=100000
runs=10
luamig="$root/bin/luamig"
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --luamig) luamig=$2; shift 2 ;;
    *) echo "bench/batch_rebuild.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in hyperfine sqlite3; do
  command -v "$tool" >/dev/null || { echo "bench/batch_rebuild.sh: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/migrations/versions"

cat > "$work/project/migrations/versions/ba0000000001_big_table.lua" <<EOF
-- a table of $rows rows with indexes and foreign keys
revision = "ba0000000001"
down_revision = nil

function upgrade()
  op.execute([[
CREATE TABLE owner (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE big (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES owner (id),
  code VARCHAR(20) NOT NULL UNIQUE,
  label VARCHAR(40),
  score INTEGER
);
CREATE TABLE tag (id INTEGER PRIMARY KEY, big_id INTEGER NOT NULL REFERENCES big (id));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO owner (id, name) SELECT i, 'owner ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO big (id, owner_id, code, label, score)
  SELECT i, 1 + i % 100, printf('c%09d', i), 'label ' || (i % 977), (i * 7919) % 10007 FROM n;
CREATE INDEX ix_big_owner ON big (owner_id);
CREATE INDEX ix_big_label_score ON big (label, score);
INSERT INTO tag (big_id) SELECT id FROM big WHERE id % 100 = 0;
]])
end

function downgrade() end
EOF

cat > "$work/project/migrations/versions/ba0000000002_batch.lua" <<'EOF'
-- label becomes TEXT NOT NULL, score gets a default
revision = "ba0000000002"
down_revision = "ba0000000001"

function upgrade()
  op.batch_alter_table("big", function(batch)
    batch.alter_column("label", { type_ = Text, nullable = false })
    batch.alter_column("score", { server_default = 0 })
  end)
end

function downgrade() end
EOF

# The same change by hand, as SQLite's documentation describes it.
cat > "$work/by_hand.sql" <<'EOF'
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE new_big (
  id INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES owner (id),
  code VARCHAR(20) NOT NULL UNIQUE,
  label TEXT NOT NULL,
  score INTEGER DEFAULT 0
);
INSERT INTO new_big (id, owner_id, code, label, score) SELECT id, owner_id, code, label, score FROM big;
DROP TABLE big;
ALTER TABLE new_big RENAME TO big;
CREATE INDEX ix_big_owner ON big (owner_id);
CREATE INDEX ix_big_label_score ON big (label, score);
UPDATE luamig_version SET version_num = 'ba0000000002';
COMMIT;
EOF

(cd "$work/project" && "$luamig" -q -u "sqlite:$work/seed.db" upgrade ba0000000001)

echo "## batch_alter_table rebuild of a $rows-row table with 2 indexes, a UNIQUE and foreign keys (SQLite $(sqlite3 --version | cut -d' ' -f1))"
hyperfine --warmup 1 --runs "$runs" --style none --export-markdown "$work/batch.md" --export-csv "$work/batch.csv" \
  -n "luamig upgrade (batch)" --prepare "cp $work/seed.db $work/run.db" \
    "cd $work/project && $luamig -q -u sqlite:$work/run.db upgrade head" \
  -n "sqlite3 by hand" --prepare "cp $work/seed.db $work/hand.db" \
    "sqlite3 $work/hand.db < $work/by_hand.sql" >/dev/null 2>&1
cat "$work/batch.md"

# Both ended with the same rows and the same kind of table.
for db in run hand; do
  check=$(sqlite3 "$work/$db.db" "PRAGMA integrity_check; SELECT count(*), sum(id) FROM big;
    SELECT count(*) FROM sqlite_master WHERE tbl_name = 'big' AND type = 'index';
    SELECT \"notnull\" || type FROM pragma_table_info('big') WHERE name = 'label';")
  echo "$check" | tr '\n' ' ' | grep -q "^ok $rows|$((rows * (rows + 1) / 2)) 3 1TEXT" \
    || { echo "bench/batch_rebuild.sh: $db.db is not as expected: $check" >&2; exit 1; }
done
# Means, and medians (the disk's fsync makes single runs vary).
awk -F, 'NR == 2 { l = $2; lm = $4 } NR == 3 { s = $2; sm = $4 }
  END { printf "\nluamig / sqlite3: mean %.3f s / %.3f s = %.2fx; median %.3f s / %.3f s = %.2fx\n",
    l, s, l / s, lm, sm, lm / sm }' "$work/batch.csv"

-- Add ``dag_code`` table.
-- Revision ID: 952da73b5eff
-- Revises: 852ae6c715af
-- Create Date: 2020-03-12 12:39:01.797462
-- Port of Apache Airflow's airflow/migrations/versions/0054_1_10_10_add_dag_code_table.py (Apache-2.0).
-- airflow_version = "1.10.10"
--
-- Airflow recomputes serialized_dag.fileloc_hash through an ORM session with
-- airflow.models.dagcode.DagCode.dag_fileloc_hash (the last 8 bytes of the
-- SHA-1 of the UTF-8 path, big-endian, shifted right by 8 bits); luamig has
-- no hashlib, so SHA-1 is written out below and the session's SELECT and
-- merge() become the same SELECT and UPDATE through op.get_bind().
-- See PORTING_NOTES.md.
revision = "952da73b5eff"
down_revision = "852ae6c715af"
branch_labels = nil
depends_on = nil

-- SHA-1 (FIPS 180-4) of the byte string msg: the 20-byte digest, as Python's
-- hashlib.sha1(msg).digest().
local function sha1(msg)
  local function rol(x, n) return ((x << n) | (x >> (32 - n))) & 0xffffffff end
  local h0, h1, h2, h3, h4 = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0
  local ml = #msg * 8
  msg = msg .. "\128" .. string.rep("\0", (55 - #msg) % 64) .. string.pack(">I8", ml)
  for chunk = 1, #msg, 64 do
    local w = {}
    for i = 0, 15 do w[i] = string.unpack(">I4", msg, chunk + i * 4) end
    for i = 16, 79 do w[i] = rol(w[i - 3] ~ w[i - 8] ~ w[i - 14] ~ w[i - 16], 1) end
    local a, b, c, d, e = h0, h1, h2, h3, h4
    for i = 0, 79 do
      local f, k
      if i < 20 then
        f, k = (b & c) | ((~b) & d), 0x5A827999
      elseif i < 40 then
        f, k = b ~ c ~ d, 0x6ED9EBA1
      elseif i < 60 then
        f, k = (b & c) | (b & d) | (c & d), 0x8F1BBCDC
      else
        f, k = b ~ c ~ d, 0xCA62C1D6
      end
      local temp = (rol(a, 5) + (f & 0xffffffff) + e + k + w[i]) & 0xffffffff
      a, b, c, d, e = temp, a, rol(b, 30), c, d
    end
    h0 = (h0 + a) & 0xffffffff
    h1 = (h1 + b) & 0xffffffff
    h2 = (h2 + c) & 0xffffffff
    h3 = (h3 + d) & 0xffffffff
    h4 = (h4 + e) & 0xffffffff
  end
  return string.pack(">I4I4I4I4I4", h0, h1, h2, h3, h4)
end

-- DagCode.dag_fileloc_hash(full_filepath): hashing file location for indexing.
-- Hashing is needed because the length of fileloc is 2000 as an Airflow convention,
-- which is over the limit of indexing.
-- Only 7 bytes because MySQL BigInteger can hold only 8 bytes (signed).
-- struct.unpack(">Q", hashlib.sha1(full_filepath.encode("utf-8")).digest()[-8:])[0] >> 8
local function dag_fileloc_hash(full_filepath)
  return string.unpack(">I8", sha1(full_filepath), 13) >> 8
end

function upgrade()
  -- Create DagCode Table.

  -- class SerializedDagModel(Base): __tablename__ = "serialized_dag"
  -- There are other columns here, but these are the only ones we need for the SELECT/UPDATE we are doing:
  -- dag_id String(250) primary key, fileloc String(2000) not null, fileloc_hash BigInteger not null.

  -- Apply add source code table
  op.create_table("dag_code",
    Column("fileloc_hash", BigInteger, { nullable = false, primary_key = true, autoincrement = false }),
    Column("fileloc", String(2000), { nullable = false }),
    Column("source_code", UnicodeText, { nullable = false }),
    Column("last_updated", Timestamp { timezone = true }, { nullable = false }))

  local dialect = op.get_context().dialect.name
  if dialect ~= "sqlite" then
    if dialect == "mssql" then
      op.drop_index("idx_fileloc_hash", "serialized_dag")
    end

    op.alter_column("serialized_dag", "fileloc_hash", { type_ = BigInteger, nullable = false })
    if dialect == "mssql" then
      op.create_index("idx_fileloc_hash", "serialized_dag", { "fileloc_hash" })
    end
  end

  -- session.query(SerializedDagModel).all(), then for each dag:
  -- dag.fileloc_hash = DagCode.dag_fileloc_hash(dag.fileloc); session.merge(dag)
  local conn = op.get_bind()
  local serialized_dags = conn:query("SELECT dag_id, fileloc, fileloc_hash FROM serialized_dag")
  for _, dag in ipairs(serialized_dags) do
    local fileloc_hash = dag_fileloc_hash(dag.fileloc)
    if fileloc_hash ~= dag.fileloc_hash then
      conn:execute("UPDATE serialized_dag SET fileloc_hash = ? WHERE serialized_dag.dag_id = ?",
        fileloc_hash, dag.dag_id)
    end
  end
end

function downgrade()
  -- Unapply add source code table.
  op.drop_table("dag_code")
end

---@meta
-- luacheck: ignore (stubs: globals declared, arguments unused, on purpose)
-- LuaLS stubs for luamig: the column types of a revision file. A bare type
-- (`Integer`) is a type; calling one makes a new type of that kind with
-- parameters (`String(50)`, `DateTime{timezone = true}`).

---A column type: plain data that each database's dialect writes as SQL.
---@class luamig.Type
---@field name string
---@overload fun(...): luamig.Type

---@class luamig.StringOptions
---@field length? integer
---@field collation? string the database's own collation name (`COLLATE ...`)
---@field charset? string MySQL only: `CHARACTER SET ...`

---@class luamig.StringType: luamig.Type
---@field length? integer
---@field collation? string
---@field charset? string
---@overload fun(length?: integer, collation?: string, charset?: string): luamig.StringType
---@overload fun(opts: luamig.StringOptions): luamig.StringType

---@class luamig.DateTimeOptions
---@field timezone? boolean `WITH TIME ZONE` where the database has it
---@field precision? integer fractional-seconds digits

---@class luamig.DateTimeType: luamig.Type
---@field timezone? boolean
---@field precision? integer
---@overload fun(timezone?: boolean, precision?: integer): luamig.DateTimeType
---@overload fun(opts: luamig.DateTimeOptions): luamig.DateTimeType

---@class luamig.NumericType: luamig.Type
---@field precision? integer
---@field scale? integer
---@overload fun(precision?: integer, scale?: integer): luamig.NumericType
---@overload fun(opts: {precision?: integer, scale?: integer}): luamig.NumericType

---@class luamig.FloatType: luamig.Type
---@field precision? integer
---@overload fun(precision?: integer): luamig.FloatType
---@overload fun(opts: {precision?: integer}): luamig.FloatType

---@class luamig.LargeBinaryType: luamig.Type
---@field length? integer
---@overload fun(length?: integer): luamig.LargeBinaryType
---@overload fun(opts: {length?: integer}): luamig.LargeBinaryType

---@class luamig.BooleanOptions
---@field create_constraint? boolean a `CHECK (col IN (0, 1))` where the database has no boolean (SQLite)
---@field name? string the CHECK's name

---@class luamig.BooleanType: luamig.Type
---@overload fun(opts?: luamig.BooleanOptions): luamig.BooleanType

---A type that takes no parameters.
---@class luamig.PlainType: luamig.Type
---@overload fun(): luamig.PlainType

---@type luamig.PlainType
Integer = nil
---@type luamig.PlainType
BigInteger = nil
---@type luamig.PlainType
SmallInteger = nil
---@type luamig.BooleanType
Boolean = nil
---@type luamig.PlainType
Date = nil
---@type luamig.DateTimeType
DateTime = nil
---SQLAlchemy's TIMESTAMP: `TIMESTAMP` on every database.
---@type luamig.DateTimeType
Timestamp = nil
---@type luamig.DateTimeType
Time = nil
---@type luamig.PlainType
Interval = nil
---@type luamig.StringType
String = nil
---@type luamig.StringType
Text = nil
---The same type as String (SQLAlchemy's differs only on SQL Server).
---@type luamig.StringType
Unicode = nil
---The same type as Text.
---@type luamig.StringType
UnicodeText = nil
---@type luamig.FloatType
Float = nil
---@type luamig.NumericType
Numeric = nil
---@type luamig.LargeBinaryType
LargeBinary = nil
---@type luamig.PlainType
JSON = nil
---PostgreSQL only.
---@type luamig.PlainType
JSONB = nil
---PostgreSQL `UUID`, elsewhere `CHAR(36)`.
---@type luamig.PlainType
Uuid = nil

---@class luamig.EnumOptions
---@field name? string PostgreSQL's type name (needed there)
---@field schema? string
---@field create_type? boolean false: the PostgreSQL type exists already
---@field native_enum? boolean false: a VARCHAR on every database
---@field create_constraint? boolean a CHECK (col IN (...)) for a non-native enum

---@class luamig.EnumType: luamig.Type
---@field values string[]

---`Enum("a", "b", ..., [opts])` or `Enum({"a", "b"}, [opts])`.
---@param ... string|string[]|luamig.EnumOptions
---@return luamig.EnumType
function Enum(...) end

---PostgreSQL's array of `item_type`.
---@param item_type luamig.Type
---@param dimensions? integer
---@return luamig.Type
function ARRAY(item_type, dimensions) end

---A type written as given: `Type("CITEXT")`.
---@param text string
---@return luamig.Type
function Type(text) end

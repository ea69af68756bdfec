// TableSchema: enum names, lookups, JSON roundtrip with history, corruption detection, and
// DEFAULT expression validation, normalization and evaluation.
#include "catalog/table_schema.h"

#include <gtest/gtest.h>

#include <random>

#include "catalog/value_coercion.h"
#include "common/ids.h"

namespace kalam {
namespace {

ColumnDef make_column(uint32_t id, std::string name, DataType type, int32_t pk_position = -1) {
  ColumnDef column;
  column.column_id = id;
  column.name = std::move(name);
  column.type = type;
  column.pk_position = pk_position;
  return column;
}

ColumnDef typed(DataType type, int32_t max_length = 0) {
  ColumnDef column = make_column(1, "c", type);
  column.max_length = max_length;
  return column;
}

TableSchema sample_schema() {
  TableSchema schema;
  schema.table_id = 42;
  schema.namespace_id = "chat";
  schema.table_name = "messages";
  schema.table_type = TableType::kUser;
  schema.options.storage_id = "s3_main";
  schema.options.flush_row_limit = 1000;
  schema.options.flush_interval_seconds = 60;
  schema.options.deleted_retention_hours = 24;
  schema.options.ttl_seconds = 0;
  schema.options.access_level = AccessLevel::kRestricted;
  schema.created_by = "alice";
  schema.created_at_us = 1'700'000'000'000'000;
  schema.updated_at_us = 1'700'000'000'500'000;

  SchemaVersion v1;
  v1.version = 1;
  v1.created_at_us = 1'700'000'000'000'000;
  v1.columns.push_back(make_column(1, "body", DataType::kText));
  v1.columns.push_back(make_column(2, "conversation_id", DataType::kBigInt, 1));
  v1.columns.push_back(make_column(3, "id", DataType::kBigInt, 0));
  v1.columns.back().default_expr = "SNOWFLAKE_ID()";
  v1.columns.back().nullable = false;
  v1.columns.push_back(make_column(4, "old_flag", DataType::kBoolean));

  SchemaVersion v2 = v1;
  v2.version = 2;
  v2.created_at_us = 1'700'000'000'500'000;
  v2.columns.erase(v2.columns.begin() + 3);  // DROP COLUMN old_flag
  v2.columns[0].name = "content";            // RENAME COLUMN body TO content
  ColumnDef price = make_column(5, "price", DataType::kDecimal);
  price.precision = 10;
  price.scale = 2;
  price.default_expr = "0.00";
  v2.columns.push_back(price);
  ColumnDef code = make_column(6, "code", DataType::kText);
  code.max_length = 8;
  code.default_expr = "'it''s'";
  v2.columns.push_back(code);

  schema.versions = {v1, v2};
  schema.next_column_id = 7;
  return schema;
}

void expect_same_column(const ColumnDef& lhs, const ColumnDef& rhs) {
  EXPECT_EQ(lhs.column_id, rhs.column_id);
  EXPECT_EQ(lhs.name, rhs.name);
  EXPECT_EQ(lhs.type, rhs.type);
  EXPECT_EQ(lhs.max_length, rhs.max_length);
  EXPECT_EQ(lhs.precision, rhs.precision);
  EXPECT_EQ(lhs.scale, rhs.scale);
  EXPECT_EQ(lhs.nullable, rhs.nullable);
  EXPECT_EQ(lhs.default_expr, rhs.default_expr);
  EXPECT_EQ(lhs.pk_position, rhs.pk_position);
}

void expect_same_schema(const TableSchema& lhs, const TableSchema& rhs) {
  EXPECT_EQ(lhs.table_id, rhs.table_id);
  EXPECT_EQ(lhs.namespace_id, rhs.namespace_id);
  EXPECT_EQ(lhs.table_name, rhs.table_name);
  EXPECT_EQ(lhs.table_type, rhs.table_type);
  EXPECT_EQ(lhs.options.storage_id, rhs.options.storage_id);
  EXPECT_EQ(lhs.options.flush_row_limit, rhs.options.flush_row_limit);
  EXPECT_EQ(lhs.options.flush_interval_seconds, rhs.options.flush_interval_seconds);
  EXPECT_EQ(lhs.options.deleted_retention_hours, rhs.options.deleted_retention_hours);
  EXPECT_EQ(lhs.options.ttl_seconds, rhs.options.ttl_seconds);
  EXPECT_EQ(lhs.options.access_level, rhs.options.access_level);
  EXPECT_EQ(lhs.hidden_primary_key, rhs.hidden_primary_key);
  EXPECT_EQ(lhs.next_column_id, rhs.next_column_id);
  EXPECT_EQ(lhs.created_by, rhs.created_by);
  EXPECT_EQ(lhs.created_at_us, rhs.created_at_us);
  EXPECT_EQ(lhs.updated_at_us, rhs.updated_at_us);
  ASSERT_EQ(lhs.versions.size(), rhs.versions.size());
  for (size_t version_idx = 0; version_idx < lhs.versions.size(); ++version_idx) {
    const SchemaVersion& a = lhs.versions[version_idx];
    const SchemaVersion& b = rhs.versions[version_idx];
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.created_at_us, b.created_at_us);
    ASSERT_EQ(a.columns.size(), b.columns.size());
    for (size_t column_idx = 0; column_idx < a.columns.size(); ++column_idx) {
      expect_same_column(a.columns[column_idx], b.columns[column_idx]);
    }
  }
}

TEST(TableSchemaTest, EnumNamesRoundTripCaseInsensitively) {
  for (TableType type : {TableType::kUser, TableType::kShared, TableType::kStream}) {
    EXPECT_EQ(parse_table_type(table_type_name(type)), type);
  }
  EXPECT_EQ(table_type_name(TableType::kStream), "STREAM");
  EXPECT_EQ(parse_table_type("user"), TableType::kUser);
  EXPECT_EQ(parse_table_type("Shared"), TableType::kShared);
  EXPECT_FALSE(parse_table_type("USERS").has_value());
  EXPECT_FALSE(parse_table_type("").has_value());

  for (AccessLevel level : {AccessLevel::kPublic, AccessLevel::kPrivate, AccessLevel::kRestricted}) {
    EXPECT_EQ(parse_access_level(access_level_name(level)), level);
  }
  EXPECT_EQ(access_level_name(AccessLevel::kRestricted), "RESTRICTED");
  EXPECT_EQ(parse_access_level("public"), AccessLevel::kPublic);
  EXPECT_FALSE(parse_access_level("open").has_value());
}

TEST(TableSchemaTest, SystemColumnNames) {
  EXPECT_TRUE(is_system_column_name("_seq"));
  EXPECT_TRUE(is_system_column_name("_DELETED"));
  EXPECT_FALSE(is_system_column_name("seq"));
}

TEST(TableSchemaTest, ColumnTypeSql) {
  EXPECT_EQ(column_type_sql(typed(DataType::kBigInt)), "BIGINT");
  EXPECT_EQ(column_type_sql(typed(DataType::kText)), "TEXT");
  EXPECT_EQ(column_type_sql(typed(DataType::kText, 20)), "VARCHAR(20)");
  ColumnDef decimal = typed(DataType::kDecimal);
  EXPECT_EQ(column_type_sql(decimal), "DECIMAL(38,10)");
  decimal.precision = 10;
  decimal.scale = 2;
  EXPECT_EQ(column_type_sql(decimal), "DECIMAL(10,2)");
}

TEST(TableSchemaTest, LookupsUseCurrentVersion) {
  TableSchema schema = sample_schema();
  EXPECT_EQ(schema.schema_version(), 2);
  EXPECT_EQ(&schema.current(), &schema.versions.back());

  const ColumnDef* content = schema.find_column("content");
  ASSERT_NE(content, nullptr);
  EXPECT_EQ(content->column_id, 1u);
  EXPECT_EQ(schema.find_column("body"), nullptr);      // renamed away in v2
  EXPECT_EQ(schema.find_column("old_flag"), nullptr);  // dropped in v2
  EXPECT_EQ(schema.find_column("CONTENT"), nullptr);   // case-sensitive
  EXPECT_EQ(schema.find_column("_seq"), nullptr);
  EXPECT_EQ(schema.find_column_by_id(5)->name, "price");
  EXPECT_EQ(schema.find_column_by_id(4), nullptr);

  ASSERT_NE(schema.version(1), nullptr);
  EXPECT_EQ(schema.version(1)->columns.size(), 4u);
  EXPECT_EQ(schema.version(1)->columns[0].name, "body");
  EXPECT_EQ(schema.version(2), &schema.versions.back());
  EXPECT_EQ(schema.version(3), nullptr);
  EXPECT_EQ(schema.version(0), nullptr);
}

TEST(TableSchemaTest, PrimaryKeyInKeyOrderNotDeclarationOrder) {
  TableSchema schema = sample_schema();
  std::vector<const ColumnDef*> key = schema.primary_key();
  ASSERT_EQ(key.size(), 2u);
  EXPECT_EQ(key[0]->name, "id");
  EXPECT_EQ(key[1]->name, "conversation_id");

  TableSchema hidden;
  hidden.hidden_primary_key = true;
  hidden.versions.push_back(SchemaVersion{1, {make_column(1, "a", DataType::kInt)}, 0});
  EXPECT_TRUE(hidden.primary_key().empty());
}

TEST(TableSchemaTest, EmptyHistoryDoesNotCrash) {
  TableSchema schema;
  EXPECT_EQ(schema.schema_version(), 0);
  EXPECT_TRUE(schema.current().columns.empty());
  EXPECT_EQ(schema.find_column("a"), nullptr);
  EXPECT_TRUE(schema.primary_key().empty());
}

TEST(TableSchemaTest, JsonRoundTripKeepsHistoryAndOptions) {
  TableSchema schema = sample_schema();
  std::string json = encode_table_schema(schema);
  Result<TableSchema> decoded = decode_table_schema(json);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  expect_same_schema(*decoded, schema);
  // Deterministic: encoding the decoded schema gives the same text.
  EXPECT_EQ(encode_table_schema(*decoded), json);
}

TEST(TableSchemaTest, JsonRoundTripOfEveryTypeAndExtremeIds) {
  TableSchema schema;
  schema.table_id = UINT64_MAX;
  schema.namespace_id = "ns";
  schema.table_name = "\"Quoted\" name \xC3\xA4";
  schema.table_type = TableType::kStream;
  schema.options.ttl_seconds = 30;
  schema.options.access_level = AccessLevel::kPublic;
  schema.hidden_primary_key = true;
  SchemaVersion version;
  uint32_t id = 1;
  for (DataType type :
       {DataType::kBoolean, DataType::kSmallInt, DataType::kInt, DataType::kBigInt, DataType::kFloat,
        DataType::kDouble, DataType::kDecimal, DataType::kText, DataType::kBytes, DataType::kJson,
        DataType::kTimestamp, DataType::kDate, DataType::kTime, DataType::kUuid}) {
    version.columns.push_back(make_column(id, "c" + std::to_string(id), type));
    ++id;
  }
  version.columns.back().column_id = UINT32_MAX - 1;
  schema.versions.push_back(version);
  schema.next_column_id = UINT32_MAX;
  Result<TableSchema> decoded = decode_table_schema(encode_table_schema(schema));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  expect_same_schema(*decoded, schema);
}

TEST(TableSchemaTest, DecodeIgnoresUnknownFieldsAndDefaultsOptionalOnes) {
  std::string json =
      R"({"table_id":7,"namespace_id":"n","table_name":"t","table_type":"shared","future":[1,2],
    "versions":[{"version":1,"columns":[{"column_id":3,"name":"a","type":"INT","extra":true}]}]})";
  Result<TableSchema> decoded = decode_table_schema(json);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->table_type, TableType::kShared);
  EXPECT_EQ(decoded->options.storage_id, "local");
  EXPECT_EQ(decoded->options.deleted_retention_hours, 168);
  EXPECT_EQ(decoded->options.access_level, AccessLevel::kPrivate);
  ASSERT_EQ(decoded->current().columns.size(), 1u);
  EXPECT_TRUE(decoded->current().columns[0].nullable);
  EXPECT_EQ(decoded->current().columns[0].pk_position, -1);
  EXPECT_FALSE(decoded->current().columns[0].default_expr.has_value());
  // A missing next_column_id never lets a new column reuse id 3.
  EXPECT_EQ(decoded->next_column_id, 4u);
}

TEST(TableSchemaTest, DecodeRejectsCorruptDefinitions) {
  const std::string good_version =
      R"("versions":[{"version":1,"columns":[{"column_id":1,"name":"a","type":"INT"}]}])";
  const std::string head = R"({"table_id":1,"namespace_id":"n","table_name":"t","table_type":"USER",)";
  std::vector<std::string> corrupt = {
      "",
      "not json",
      "[1,2,3]",
      R"({"table_id":1})",
      head + R"("versions":[]})",
      head + R"("versions":{}})",
      head + R"("versions":[1]})",
      head + R"("versions":[{"version":1,"columns":[{"column_id":1,"name":"a","type":"VARBINARY"}]}]})",
      head + R"("versions":[{"version":1,"columns":[{"column_id":1,"name":"a"}]}]})",
      head + R"("versions":[{"version":1,"columns":[{"column_id":-1,"name":"a","type":"INT"}]}]})",
      head + R"("versions":[{"version":1,"columns":[{"column_id":1,"name":7,"type":"INT"}]}]})",
      head +
          R"("versions":[{"version":1,"columns":[{"column_id":1,"name":"a","type":"INT"},{"column_id":1,"name":"b","type":"INT"}]}]})",
      head + R"("versions":[{"version":2,"columns":[]},{"version":1,"columns":[]}]})",
      head +
          R"("versions":[{"version":1,"columns":[{"column_id":1,"name":"a","type":"INT","nullable":"yes"}]}]})",
      head +
          R"("versions":[{"version":1,"columns":[{"column_id":1,"name":"a","type":"INT","max_length":1e3}]}]})",
      head + R"("options":{"access_level":"SECRET"},)" + good_version + "}",
      head + R"("options":{"ttl_seconds":"30"},)" + good_version + "}",
      head + R"("options":[],)" + good_version + "}",
      R"({"table_id":1,"namespace_id":"n","table_name":"t","table_type":"VIEW",)" + good_version + "}",
      R"({"table_id":"1","namespace_id":"n","table_name":"t","table_type":"USER",)" + good_version + "}",
      R"({"format":2,"table_id":1,"namespace_id":"n","table_name":"t","table_type":"USER",)" + good_version +
          "}",
  };
  for (const std::string& text : corrupt) {
    Result<TableSchema> decoded = decode_table_schema(text);
    ASSERT_FALSE(decoded.is_ok()) << text;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kInternalStorageError) << text;
  }
  // The same head with a good history decodes: the rejections above are about the damage.
  EXPECT_TRUE(decode_table_schema(head + good_version + "}").is_ok());
}

TEST(TableSchemaTest, DecodeOfTruncatedEncodingFailsCleanly) {
  std::string json = encode_table_schema(sample_schema());
  for (size_t length = 0; length < json.size(); ++length) {
    Result<TableSchema> decoded = decode_table_schema(std::string_view(json).substr(0, length));
    EXPECT_FALSE(decoded.is_ok()) << length;
  }
}

// ---------------------------------------------------------------------------------------
// DEFAULT

std::string normalized(std::string_view expr, const ColumnDef& column) {
  Result<std::string> result = normalize_default(expr, column);
  EXPECT_TRUE(result.is_ok()) << expr << ": " << result.status().to_string();
  return result.is_ok() ? *result : std::string("<error>");
}

void expect_rejected(std::string_view expr, const ColumnDef& column) {
  Result<std::string> result = normalize_default(expr, column);
  ASSERT_FALSE(result.is_ok()) << expr << " was accepted as " << *result;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument) << expr;
  const DetailValue* argument = result.status().detail("argument");
  ASSERT_NE(argument, nullptr) << expr;
  EXPECT_EQ(std::get<std::string>(*argument), "default");
  const DetailValue* column_name = result.status().detail("column");
  ASSERT_NE(column_name, nullptr);
  EXPECT_EQ(std::get<std::string>(*column_name), column.name);
}

TEST(DefaultExprTest, LiteralsOfCompatibleTypesAreNormalized) {
  EXPECT_EQ(normalized("'abc'", typed(DataType::kText)), "'abc'");
  EXPECT_EQ(normalized("  'it''s'  ", typed(DataType::kText)), "'it''s'");
  EXPECT_EQ(normalized("''", typed(DataType::kText)), "''");
  EXPECT_EQ(normalized("42", typed(DataType::kInt)), "42");
  EXPECT_EQ(normalized("+42", typed(DataType::kInt)), "42");
  EXPECT_EQ(normalized("-7", typed(DataType::kSmallInt)), "-7");
  EXPECT_EQ(normalized("'42'", typed(DataType::kInt)), "42");
  EXPECT_EQ(normalized("1e3", typed(DataType::kBigInt)), "1000");
  EXPECT_EQ(normalized("1.5", typed(DataType::kDouble)), "1.5");
  EXPECT_EQ(normalized("2", typed(DataType::kDouble)), "2");
  EXPECT_EQ(normalized("'NaN'", typed(DataType::kDouble)), "'NaN'");
  EXPECT_EQ(normalized("true", typed(DataType::kBoolean)), "TRUE");
  EXPECT_EQ(normalized("FaLsE", typed(DataType::kBoolean)), "FALSE");
  EXPECT_EQ(normalized("null", typed(DataType::kInt)), "NULL");
  EXPECT_EQ(normalized("NULL", typed(DataType::kUuid)), "NULL");
  EXPECT_EQ(normalized("42", typed(DataType::kText)), "'42'");
  EXPECT_EQ(normalized("'{\"a\": [1]}'", typed(DataType::kJson)), "'{\"a\": [1]}'");
  EXPECT_EQ(normalized("'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", typed(DataType::kUuid)),
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'");
  EXPECT_EQ(normalized("'2026-11-24 10:15:30+02:00'", typed(DataType::kTimestamp)),
            "'2026-11-24T08:15:30.000000Z'");
  EXPECT_EQ(normalized("0", typed(DataType::kTimestamp)), "'1970-01-01T00:00:00.000000Z'");
  EXPECT_EQ(normalized("'2026-11-24'", typed(DataType::kDate)), "'2026-11-24'");
  EXPECT_EQ(normalized("'10:15'", typed(DataType::kTime)), "'10:15:00.000000'");
  ColumnDef decimal = typed(DataType::kDecimal);
  decimal.precision = 6;
  decimal.scale = 2;
  EXPECT_EQ(normalized("12.5", decimal), "12.50");
  EXPECT_EQ(normalized("'-0.005'", decimal), "-0.01");
  EXPECT_EQ(normalized("'abc'", typed(DataType::kText, 3)), "'abc'");
}

TEST(DefaultExprTest, FunctionsForTheirTypes) {
  EXPECT_EQ(normalized("NOW()", typed(DataType::kTimestamp)), "NOW()");
  EXPECT_EQ(normalized("now( )", typed(DataType::kTimestamp)), "NOW()");
  EXPECT_EQ(normalized("current_timestamp", typed(DataType::kTimestamp)), "CURRENT_TIMESTAMP");
  EXPECT_EQ(normalized("CURRENT_TIMESTAMP()", typed(DataType::kDate)), "CURRENT_TIMESTAMP");
  EXPECT_EQ(normalized("NOW()", typed(DataType::kTime)), "NOW()");
  EXPECT_EQ(normalized("SNOWFLAKE_ID()", typed(DataType::kBigInt)), "SNOWFLAKE_ID()");
  EXPECT_EQ(normalized("uuid_v7()", typed(DataType::kUuid)), "UUID_V7()");
  EXPECT_EQ(normalized("UUID_V7()", typed(DataType::kText)), "UUID_V7()");
  EXPECT_EQ(normalized("ULID()", typed(DataType::kText)), "ULID()");
  EXPECT_EQ(normalized("CURRENT_USER()", typed(DataType::kText)), "CURRENT_USER()");
  EXPECT_EQ(normalized("current_user", typed(DataType::kText)), "CURRENT_USER()");
}

TEST(DefaultExprTest, RejectsIncompatibleLiterals) {
  expect_rejected("'abc'", typed(DataType::kInt));
  expect_rejected("'12 '", typed(DataType::kInt));
  expect_rejected("1.5", typed(DataType::kInt));
  expect_rejected("40000", typed(DataType::kSmallInt));
  expect_rejected("99999999999999999999", typed(DataType::kBigInt));
  expect_rejected("'maybe'", typed(DataType::kBoolean));
  expect_rejected("'abcd'", typed(DataType::kText, 3));
  expect_rejected("'{bad json'", typed(DataType::kJson));
  expect_rejected("'not-a-uuid'", typed(DataType::kUuid));
  expect_rejected("'2026-02-30'", typed(DataType::kDate));
  expect_rejected("TRUE", typed(DataType::kInt));
  ColumnDef decimal = typed(DataType::kDecimal);
  decimal.precision = 3;
  decimal.scale = 2;
  expect_rejected("12.5", decimal);
}

TEST(DefaultExprTest, RejectsFunctionsOutsideTheListOrOfTheWrongType) {
  expect_rejected("RANDOM()", typed(DataType::kDouble));
  expect_rejected("random()", typed(DataType::kInt));
  expect_rejected("UUID()", typed(DataType::kUuid));
  expect_rejected("NOW", typed(DataType::kTimestamp));  // NOW needs parentheses
  expect_rejected("NOW(1)", typed(DataType::kTimestamp));
  expect_rejected("NOW()", typed(DataType::kText));
  expect_rejected("NOW()", typed(DataType::kBigInt));
  expect_rejected("SNOWFLAKE_ID()", typed(DataType::kInt));
  expect_rejected("SNOWFLAKE_ID()", typed(DataType::kText));
  expect_rejected("UUID_V7()", typed(DataType::kText, 10));
  expect_rejected("ULID()", typed(DataType::kUuid));
  expect_rejected("CURRENT_USER()", typed(DataType::kBigInt));
  expect_rejected("some_column", typed(DataType::kInt));
}

TEST(DefaultExprTest, RejectsExpressionsAndInjectionAttempts) {
  const ColumnDef text = typed(DataType::kText);
  for (std::string_view expr : {
           "",
           "   ",
           "'abc'; DROP TABLE users",
           "'abc'; DROP TABLE users; --'",
           "'abc' || 'def'",
           "'abc' 'def'",
           "'unterminated",
           "'a'b'",
           "\"abc\"",
           "1; DELETE FROM t",
           "1 + 1",
           "-(1)",
           "(SELECT password FROM system.users)",
           "NOW() -- comment",
           "NOW()/**/",
           "CURRENT_USER() || 'x'",
           "load_extension('evil')",
           "x'00'",
       }) {
    expect_rejected(expr, text);
    expect_rejected(expr, typed(DataType::kInt));
  }
  expect_rejected("'\xC3\x28'", text);  // invalid UTF-8
  expect_rejected("NOW()", typed(DataType::kInt));
}

TEST(DefaultExprTest, InjectionLikeContentStaysOneQuotedLiteral) {
  const ColumnDef text = typed(DataType::kText);
  std::string normalized_text = normalized("'x'' OR ''1''=''1'", text);
  EXPECT_EQ(normalized_text, "'x'' OR ''1''=''1'");
  Result<DefaultSpec> spec = parse_default(normalized_text, text);
  ASSERT_TRUE(spec.is_ok());
  EXPECT_EQ(std::get<std::string>(spec->literal), "x' OR '1'='1");
  // A literal holding a statement separator and comment is just text.
  Result<DefaultSpec> statement = parse_default("'; DROP TABLE t; --'", text);
  ASSERT_TRUE(statement.is_ok());
  EXPECT_EQ(std::get<std::string>(statement->literal), "; DROP TABLE t; --");
  EXPECT_EQ(normalized("'; DROP TABLE t; --'", text), "'; DROP TABLE t; --'");
}

TEST(DefaultExprTest, NormalizedTextParsesToTheSameSpec) {
  struct Case {
    std::string expr;
    ColumnDef column;
  };
  ColumnDef decimal = typed(DataType::kDecimal);
  ColumnDef real = typed(DataType::kFloat);
  std::vector<Case> cases = {
      {"'it''s'", typed(DataType::kText)},
      {"1e3", typed(DataType::kInt)},
      {"0.1", real},
      {"-1e300", typed(DataType::kDouble)},
      {"'-Infinity'", typed(DataType::kDouble)},
      {"'123456789012345678901234567.123456789'", decimal},
      {"'-0001-03-01T12:00:00Z'", typed(DataType::kTimestamp)},
      {"'23:59:59.999999'", typed(DataType::kTime)},
      {"'0001-01-01'", typed(DataType::kDate)},
      {"'[1, {\"k\": null}]'", typed(DataType::kJson)},
      {"'raw bytes'", typed(DataType::kBytes)},
  };
  for (const Case& entry : cases) {
    Result<DefaultSpec> original = parse_default(entry.expr, entry.column);
    ASSERT_TRUE(original.is_ok()) << entry.expr << ": " << original.status().to_string();
    std::string text = normalized(entry.expr, entry.column);
    Result<DefaultSpec> reparsed = parse_default(text, entry.column);
    ASSERT_TRUE(reparsed.is_ok()) << text;
    EXPECT_EQ(reparsed->function, DefaultFunction::kNone);
    EXPECT_EQ(reparsed->literal, original->literal) << entry.expr << " -> " << text;
    EXPECT_EQ(normalized(text, entry.column), text) << "normalization is idempotent";
  }
}

TEST(DefaultExprTest, ParseGivesFunctionOrStoredLiteral) {
  Result<DefaultSpec> now = parse_default("now()", typed(DataType::kTimestamp));
  ASSERT_TRUE(now.is_ok());
  EXPECT_EQ(now->function, DefaultFunction::kNow);
  Result<DefaultSpec> literal = parse_default("'2026-11-24'", typed(DataType::kTimestamp));
  ASSERT_TRUE(literal.is_ok());
  EXPECT_EQ(literal->function, DefaultFunction::kNone);
  EXPECT_EQ(std::get<int64_t>(literal->literal), 1795478400000000);
}

TEST(DefaultExprTest, EvaluateProducesStoredForms) {
  DefaultContext context;
  context.now_us = 1795515330123456;  // 2026-11-24T10:15:30.123456Z
  context.user_id = "alice";
  int64_t next_id = 1000;
  context.next_snowflake_id = [&next_id]() { return next_id++; };

  auto evaluate = [&](std::string_view expr, const ColumnDef& column) {
    Result<DefaultSpec> spec = parse_default(expr, column);
    EXPECT_TRUE(spec.is_ok()) << expr;
    return evaluate_default(*spec, column, context);
  };
  EXPECT_EQ(std::get<int64_t>(*evaluate("NOW()", typed(DataType::kTimestamp))), context.now_us);
  EXPECT_EQ(format_date_days(std::get<int64_t>(*evaluate("NOW()", typed(DataType::kDate)))), "2026-11-24");
  EXPECT_EQ(format_time_micros(std::get<int64_t>(*evaluate("CURRENT_TIMESTAMP", typed(DataType::kTime)))),
            "10:15:30.123456");
  EXPECT_EQ(std::get<int64_t>(*evaluate("SNOWFLAKE_ID()", typed(DataType::kBigInt))), 1000);
  EXPECT_EQ(std::get<int64_t>(*evaluate("SNOWFLAKE_ID()", typed(DataType::kBigInt))), 1001);
  EXPECT_TRUE(is_canonical_uuid(std::get<std::string>(*evaluate("UUID_V7()", typed(DataType::kUuid)))));
  EXPECT_EQ(std::get<std::string>(*evaluate("ULID()", typed(DataType::kText))).size(), 26u);
  EXPECT_EQ(std::get<std::string>(*evaluate("CURRENT_USER()", typed(DataType::kText))), "alice");
  EXPECT_EQ(std::get<int64_t>(*evaluate("'7'", typed(DataType::kInt))), 7);

  // Values that do not fit the column are reported, not truncated.
  Result<Value> too_long = evaluate("CURRENT_USER()", typed(DataType::kText, 3));
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().code(), ErrorCode::kTypeMismatch);

  // Before 1970, NOW() into DATE/TIME floors instead of truncating towards zero.
  context.now_us = -1;
  EXPECT_EQ(std::get<int64_t>(*evaluate("NOW()", typed(DataType::kDate))), -1);
  EXPECT_EQ(std::get<int64_t>(*evaluate("NOW()", typed(DataType::kTime))), 86'400'000'000 - 1);

  context.next_snowflake_id = nullptr;
  Result<Value> no_generator = evaluate("SNOWFLAKE_ID()", typed(DataType::kBigInt));
  ASSERT_FALSE(no_generator.is_ok());
  EXPECT_EQ(no_generator.status().code(), ErrorCode::kInternalError);
}

TEST(DefaultExprTest, ArbitraryTextIsAcceptedOrInvalidArgument) {
  static constexpr std::string_view kAlphabet = "'(); -+.0123456789eNOWnowULIDTRUE_\x80\xC3\xA4";
  std::mt19937 random(11);
  const std::vector<ColumnDef> columns = {typed(DataType::kText), typed(DataType::kInt),
                                          typed(DataType::kTimestamp), typed(DataType::kDecimal),
                                          typed(DataType::kBoolean)};
  for (int round = 0; round < 20000; ++round) {
    std::string expr;
    const size_t length = random() % 16;
    for (size_t idx = 0; idx < length; ++idx) expr += kAlphabet[random() % kAlphabet.size()];
    for (const ColumnDef& column : columns) {
      Result<std::string> result = normalize_default(expr, column);
      if (!result.is_ok()) {
        EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument) << expr;
        continue;
      }
      // Whatever is accepted normalizes to a fixed point.
      Result<std::string> again = normalize_default(*result, column);
      ASSERT_TRUE(again.is_ok()) << expr << " -> " << *result;
      EXPECT_EQ(*again, *result) << expr;
    }
  }
}

}  // namespace
}  // namespace kalam

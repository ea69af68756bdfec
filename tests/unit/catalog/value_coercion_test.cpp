// coerce_value: every conversion rule of model.md's strict typing, with its edge cases;
// the date/time parsers and formatters.
#include "catalog/value_coercion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "common/time_util.h"

namespace kalam {
namespace {

ColumnDef column_of(DataType type, int32_t max_length = 0) {
  ColumnDef column;
  column.column_id = 1;
  column.name = "col";
  column.type = type;
  column.max_length = max_length;
  return column;
}

ColumnDef decimal_of(int32_t precision, int32_t scale) {
  ColumnDef column = column_of(DataType::kDecimal);
  column.precision = precision;
  column.scale = scale;
  return column;
}

Value text(std::string_view value) { return Value(std::string(value)); }

Value coerced(const Value& input, const ColumnDef& column) {
  Result<Value> result = coerce_value(input, column);
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  return result.is_ok() ? *result : Value();
}

// Asserts TYPE_MISMATCH with the required details.
void expect_mismatch(const Value& input, const ColumnDef& column) {
  Result<Value> result = coerce_value(input, column);
  ASSERT_FALSE(result.is_ok()) << "accepted into " << column_type_sql(column);
  const Status& status = result.status();
  EXPECT_EQ(status.code(), ErrorCode::kTypeMismatch) << status.to_string();
  const DetailValue* column_name = status.detail("column_name");
  ASSERT_NE(column_name, nullptr);
  EXPECT_EQ(std::get<std::string>(*column_name), column.name);
  const DetailValue* expected = status.detail("expected_type");
  ASSERT_NE(expected, nullptr);
  EXPECT_EQ(std::get<std::string>(*expected), column_type_sql(column));
  ASSERT_NE(status.detail("value"), nullptr);
}

int64_t as_int(const Value& value) { return std::get<int64_t>(value); }
double as_double(const Value& value) { return std::get<double>(value); }

TEST(ValueCoercionTest, NullPassesForEveryType) {
  for (DataType type : {DataType::kBoolean, DataType::kInt, DataType::kDouble, DataType::kDecimal,
                        DataType::kText, DataType::kJson, DataType::kTimestamp, DataType::kUuid}) {
    ColumnDef column = column_of(type);
    column.nullable = false;  // NOT NULL is enforced by the writer, not here
    EXPECT_TRUE(is_null(coerced(Value(), column)));
  }
}

TEST(ValueCoercionTest, Boolean) {
  const ColumnDef column = column_of(DataType::kBoolean);
  EXPECT_EQ(coerced(Value(true), column), Value(true));
  EXPECT_EQ(coerced(Value(int64_t{0}), column), Value(false));
  EXPECT_EQ(coerced(Value(int64_t{1}), column), Value(true));
  for (std::string_view yes : {"true", "TRUE", "True", "t", "T", "1"})
    EXPECT_EQ(coerced(text(yes), column), Value(true));
  for (std::string_view no : {"false", "FALSE", "f", "F", "0"})
    EXPECT_EQ(coerced(text(no), column), Value(false));
  expect_mismatch(Value(int64_t{2}), column);
  expect_mismatch(Value(int64_t{-1}), column);
  expect_mismatch(Value(1.0), column);
  for (std::string_view bad : {"yes", "no", "", " true", "true ", "2", "tru"})
    expect_mismatch(text(bad), column);
}

TEST(ValueCoercionTest, IntegerRanges) {
  const ColumnDef small = column_of(DataType::kSmallInt);
  const ColumnDef integer = column_of(DataType::kInt);
  const ColumnDef big = column_of(DataType::kBigInt);
  EXPECT_EQ(as_int(coerced(Value(int64_t{32767}), small)), 32767);
  EXPECT_EQ(as_int(coerced(Value(int64_t{-32768}), small)), -32768);
  expect_mismatch(Value(int64_t{32768}), small);
  expect_mismatch(Value(int64_t{-32769}), small);
  EXPECT_EQ(as_int(coerced(Value(int64_t{2147483647}), integer)), 2147483647);
  EXPECT_EQ(as_int(coerced(Value(int64_t{-2147483648LL}), integer)), -2147483648LL);
  expect_mismatch(Value(int64_t{2147483648LL}), integer);
  expect_mismatch(Value(int64_t{-2147483649LL}), integer);
  EXPECT_EQ(as_int(coerced(Value(std::numeric_limits<int64_t>::min()), big)),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(as_int(coerced(Value(std::numeric_limits<int64_t>::max()), big)),
            std::numeric_limits<int64_t>::max());
  expect_mismatch(Value(true), integer);

  // Out-of-range details say so.
  Result<Value> out_of_range = coerce_value(Value(int64_t{2147483648LL}), integer);
  ASSERT_FALSE(out_of_range.is_ok());
  EXPECT_EQ(std::get<std::string>(*out_of_range.status().detail("reason")), "out of range");
  EXPECT_EQ(std::get<std::string>(*out_of_range.status().detail("value")), "2147483648");
}

TEST(ValueCoercionTest, IntegerFromDouble) {
  const ColumnDef integer = column_of(DataType::kInt);
  const ColumnDef big = column_of(DataType::kBigInt);
  EXPECT_EQ(coerced(Value(1.0), integer), Value(int64_t{1}));
  EXPECT_EQ(coerced(Value(-0.0), integer), Value(int64_t{0}));
  EXPECT_EQ(coerced(Value(2147483647.0), integer), Value(int64_t{2147483647}));
  expect_mismatch(Value(2147483648.0), integer);
  expect_mismatch(Value(1.5), integer);
  expect_mismatch(Value(-0.5), integer);
  expect_mismatch(Value(std::nan("")), integer);
  expect_mismatch(Value(std::numeric_limits<double>::infinity()), big);
  EXPECT_EQ(coerced(Value(-9223372036854775808.0), big), Value(std::numeric_limits<int64_t>::min()));
  expect_mismatch(Value(9223372036854775808.0), big);  // 2^63 is one past INT64_MAX
  expect_mismatch(Value(1e30), big);
}

TEST(ValueCoercionTest, IntegerFromTextMustParseExactly) {
  const ColumnDef integer = column_of(DataType::kInt);
  const ColumnDef big = column_of(DataType::kBigInt);
  EXPECT_EQ(coerced(text("12"), integer), Value(int64_t{12}));
  EXPECT_EQ(coerced(text("+12"), integer), Value(int64_t{12}));
  EXPECT_EQ(coerced(text("-12"), integer), Value(int64_t{-12}));
  EXPECT_EQ(coerced(text("007"), integer), Value(int64_t{7}));
  EXPECT_EQ(coerced(text("-9223372036854775808"), big), Value(std::numeric_limits<int64_t>::min()));
  expect_mismatch(text("9223372036854775808"), big);
  expect_mismatch(text("2147483648"), integer);
  for (std::string_view bad :
       {"12 ", " 12", "1e3", "1.0", "1.5", "0x10", "abc", "", "+", "-", "+-1", "1_000", "١٢"}) {
    expect_mismatch(text(bad), integer);
  }
}

TEST(ValueCoercionTest, FloatingPoint) {
  const ColumnDef real = column_of(DataType::kDouble);
  const ColumnDef single = column_of(DataType::kFloat);
  EXPECT_EQ(as_double(coerced(Value(int64_t{3}), real)), 3.0);
  EXPECT_EQ(as_double(coerced(Value(0.1), real)), 0.1);
  EXPECT_EQ(as_double(coerced(text("1e3"), real)), 1000.0);
  EXPECT_EQ(as_double(coerced(text("-.5"), real)), -0.5);
  EXPECT_EQ(as_double(coerced(text("+2.50E-1"), real)), 0.25);
  EXPECT_EQ(as_double(coerced(text("1e-400"), real)), 0.0);  // underflow rounds to zero
  EXPECT_TRUE(std::isnan(as_double(coerced(text("NaN"), real))));
  EXPECT_TRUE(std::isnan(as_double(coerced(text("nan"), real))));
  EXPECT_EQ(as_double(coerced(text("Infinity"), real)), std::numeric_limits<double>::infinity());
  EXPECT_EQ(as_double(coerced(text("-Infinity"), real)), -std::numeric_limits<double>::infinity());
  for (std::string_view bad : {"1e400", "12 ", "1e", ".", "e5", "abc", "", "inf", "0x1p3", "1,5", "--1"}) {
    expect_mismatch(text(bad), real);
  }
  expect_mismatch(Value(true), real);

  // FLOAT is a 64-bit double too: values read back (and compare) exactly as written.
  EXPECT_EQ(as_double(coerced(Value(0.1), single)), 0.1);
  EXPECT_EQ(as_double(coerced(text("18.57"), single)), 18.57);
  EXPECT_EQ(as_double(coerced(Value(int64_t{16777217}), single)), 16777217.0);
  EXPECT_EQ(as_double(coerced(Value(1e39), single)), 1e39);
  EXPECT_EQ(as_double(coerced(text("-Infinity"), single)), -std::numeric_limits<double>::infinity());
}

TEST(ValueCoercionTest, DecimalRoundsHalfAwayFromZero) {
  const ColumnDef money = decimal_of(10, 2);
  EXPECT_EQ(coerced(Value(int64_t{5}), money), text("5.00"));
  EXPECT_EQ(coerced(text("1.005"), money), text("1.01"));
  EXPECT_EQ(coerced(text("1.004"), money), text("1.00"));
  EXPECT_EQ(coerced(text("-1.005"), money), text("-1.01"));
  EXPECT_EQ(coerced(text("-1.004"), money), text("-1.00"));
  EXPECT_EQ(coerced(text("0.995"), money), text("1.00"));
  EXPECT_EQ(coerced(text("-0.001"), money), text("0.00"));  // no negative zero
  EXPECT_EQ(coerced(text("+.5"), money), text("0.50"));
  EXPECT_EQ(coerced(text("000123.4"), money), text("123.40"));
  EXPECT_EQ(coerced(text("1.5e2"), money), text("150.00"));
  EXPECT_EQ(coerced(text("15e-3"), money), text("0.02"));
  EXPECT_EQ(coerced(text("1e-999999999999"), money), text("0.00"));
  EXPECT_EQ(coerced(Value(0.1), money),
            text("0.10"));  // shortest text of the double, not its binary expansion
  EXPECT_EQ(coerced(Value(2.675), money), text("2.68"));
  EXPECT_EQ(coerced(text("99999999.99"), money), text("99999999.99"));
  EXPECT_EQ(coerced(text("99999999.994"), money), text("99999999.99"));
}

TEST(ValueCoercionTest, DecimalPrecisionOverflow) {
  const ColumnDef money = decimal_of(10, 2);
  expect_mismatch(text("100000000"), money);     // 9 integer digits + 2 fraction > 10
  expect_mismatch(text("99999999.995"), money);  // rounds up to 100000000.00
  expect_mismatch(text("1e9"), money);
  expect_mismatch(text("1e999999999999"), money);
  expect_mismatch(Value(std::numeric_limits<double>::infinity()), money);
  expect_mismatch(Value(std::nan("")), money);
  for (std::string_view bad : {"1.2.3", "12 ", "abc", "", "NaN", "1e"}) expect_mismatch(text(bad), money);
  expect_mismatch(Value(true), money);

  const ColumnDef whole = decimal_of(3, 0);
  EXPECT_EQ(coerced(text("999.4"), whole), text("999"));
  EXPECT_EQ(coerced(text("-2.5"), whole), text("-3"));
  expect_mismatch(text("999.5"), whole);

  const ColumnDef fraction_only = decimal_of(2, 2);
  EXPECT_EQ(coerced(text("0.99"), fraction_only), text("0.99"));
  expect_mismatch(text("1"), fraction_only);
}

TEST(ValueCoercionTest, DecimalDefaultIs38By10) {
  const ColumnDef bare = column_of(DataType::kDecimal);
  EXPECT_EQ(coerced(text("1"), bare), text("1.0000000000"));
  EXPECT_EQ(coerced(text("1234567890123456789012345678.00000000004"), bare),
            text("1234567890123456789012345678.0000000000"));
  EXPECT_EQ(coerced(text("1234567890123456789012345678.9"), bare),
            text("1234567890123456789012345678.9000000000"));
  expect_mismatch(text("12345678901234567890123456789"), bare);  // 29 integer digits + 10 > 38
  EXPECT_EQ(coerced(Value(std::numeric_limits<int64_t>::min()), bare),
            text("-9223372036854775808.0000000000"));
}

TEST(ValueCoercionTest, DecimalWithCorruptDefinitionDoesNotCrash) {
  expect_mismatch(text("1"), decimal_of(5, -1));
  expect_mismatch(text("1"), decimal_of(2000000000, 2000000000));
}

TEST(ValueCoercionTest, TextAndVarchar) {
  const ColumnDef plain = column_of(DataType::kText);
  EXPECT_EQ(coerced(text(""), plain), text(""));
  EXPECT_EQ(coerced(Value(int64_t{-42}), plain), text("-42"));
  EXPECT_EQ(coerced(Value(1.5), plain), text("1.5"));
  EXPECT_EQ(coerced(Value(true), plain), text("true"));
  EXPECT_EQ(coerced(Value(std::nan("")), plain), text("NaN"));
  EXPECT_EQ(coerced(text(std::string("a\0b", 3)), plain), text(std::string("a\0b", 3)));

  const ColumnDef short_text = column_of(DataType::kText, 3);
  EXPECT_EQ(coerced(text("abc"), short_text), text("abc"));
  expect_mismatch(text("abcd"), short_text);
  EXPECT_EQ(coerced(text("\xC3\xA4\xC3\xB6\xC3\xBC"), short_text), text("äöü"));  // 6 bytes, 3 code points
  expect_mismatch(text("äöüx"), short_text);
  EXPECT_EQ(coerced(text("😀😀😀"), short_text), text("😀😀😀"));
  expect_mismatch(Value(int64_t{1234}), short_text);

  for (std::string_view invalid :
       {"\xC3\x28", "\xFF", "abc\x80", "\xED\xA0\x80" /* surrogate */, "\xC0\xAF"}) {
    expect_mismatch(text(invalid), plain);
  }
}

TEST(ValueCoercionTest, BytesTakeTextAsIs) {
  const ColumnDef bytes = column_of(DataType::kBytes);
  std::string raw("\x00\xFF\xC3\x28", 4);
  EXPECT_EQ(coerced(text(raw), bytes), text(raw));
  expect_mismatch(Value(int64_t{1}), bytes);
  expect_mismatch(Value(true), bytes);
}

TEST(ValueCoercionTest, Json) {
  const ColumnDef json = column_of(DataType::kJson);
  for (std::string_view valid :
       {"{}", "[]", "{\"a\": [1, 2.5, null, true, \"x\"]}", " 42 ", "\"s\"", "null"}) {
    EXPECT_EQ(coerced(text(valid), json), text(valid));
  }
  for (std::string_view invalid :
       {"", "{", "{'a': 1}", "[1,]", "{} {}", "NaN", "tru", "{\"a\":1}x", "// c\n1"}) {
    expect_mismatch(text(invalid), json);
  }
  expect_mismatch(text("\"\xFF\""), json);  // invalid UTF-8 inside a string
  EXPECT_EQ(coerced(Value(int64_t{42}), json), text("42"));
  EXPECT_EQ(coerced(Value(2.5), json), text("2.5"));
  EXPECT_EQ(coerced(Value(false), json), text("false"));
  expect_mismatch(Value(std::numeric_limits<double>::infinity()), json);

  // Deep nesting up to SQLite's limit is fine; beyond it is rejected rather than crashing.
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(coerced(text(deep), json), text(deep));
  std::string deeper = std::string(100000, '[') + std::string(100000, ']');
  expect_mismatch(text(deeper), json);
}

TEST(ValueCoercionTest, TimestampFromIntegersAndIsoText) {
  const ColumnDef ts = column_of(DataType::kTimestamp);
  constexpr int64_t kBase = 1795515330000000;  // 2026-11-24T10:15:30Z
  EXPECT_EQ(coerced(Value(int64_t{kBase}), ts), Value(kBase));
  EXPECT_EQ(coerced(Value(int64_t{-5}), ts), Value(int64_t{-5}));
  EXPECT_EQ(coerced(text("2026-11-24T10:15:30.123456Z"), ts), Value(kBase + 123456));
  EXPECT_EQ(coerced(text("2026-11-24 10:15:30"), ts), Value(kBase));
  EXPECT_EQ(coerced(text("2026-11-24t10:15:30z"), ts), Value(kBase));
  EXPECT_EQ(coerced(text("2026-11-24T12:15:30+02:00"), ts), Value(kBase));
  EXPECT_EQ(coerced(text("2026-11-24T05:45:30-0430"), ts), Value(kBase));
  EXPECT_EQ(coerced(text("2026-11-24T12:15:30+02"), ts), Value(kBase));
  EXPECT_EQ(coerced(text("2026-11-24 12:15:30 +02:00"), ts), Value(kBase));
  EXPECT_EQ(coerced(text("2026-11-24T10:15"), ts), Value(kBase - 30'000'000));
  EXPECT_EQ(coerced(text("2026-11-24"), ts), Value(kBase - (10 * 3600 + 15 * 60 + 30) * 1'000'000LL));
  EXPECT_EQ(coerced(text("2026-11-24T10:15:30.1Z"), ts), Value(kBase + 100000));
  EXPECT_EQ(coerced(text("2026-11-24T10:15:30.1234565Z"), ts), Value(kBase + 123457));  // rounded
  EXPECT_EQ(coerced(text("2026-11-25T00:00:00+23:59"), ts), Value(int64_t{1795478400000000 + 60'000'000}));
  EXPECT_EQ(coerced(text("1969-12-31T23:59:59.999999Z"), ts), Value(int64_t{-1}));
  EXPECT_EQ(coerced(text("2024-02-29T00:00:00Z"), ts), Value(int64_t{1709164800000000}));
  EXPECT_EQ(coerced(text("1970-01-01T00:00:00+01:00"), ts), Value(int64_t{-3'600'000'000}));
  for (std::string_view bad : {"2026-11-24T10:15:30.Z",
                               "2026-13-01",
                               "2026-02-29",
                               "2026-11-31",
                               "2026-11-24T24:00:00",
                               "2026-11-24T10:60:00",
                               "2026-11-24T10:15:60",
                               "2026-11-24T10:15:30+24:00",
                               "2026-11-24T10:15:30 ",
                               "2026-11-24 ",
                               " 2026-11-24",
                               "26-11-24",
                               "2026/11/24",
                               "2026-1-24",
                               "2026-11-24T10",
                               "2026-11-24T10:15:30.1234567890Z",
                               "2026-11-24T10:15:30UTC",
                               "1795515330000000",
                               "",
                               "now",
                               "9999999-01-01"}) {
    expect_mismatch(text(bad), ts);
  }
  expect_mismatch(Value(1.0), ts);
  expect_mismatch(Value(true), ts);
}

TEST(ValueCoercionTest, TimestampTextRoundTripsThroughTheFormatter) {
  for (int64_t micros : {int64_t{0}, int64_t{-1}, int64_t{1795515330123456}, int64_t{253402300799999999},
                         int64_t{-62135596800000000}, int64_t{-62167219200000001}}) {
    Result<int64_t> parsed = parse_timestamp_micros(format_timestamp_micros(micros));
    ASSERT_TRUE(parsed.is_ok()) << format_timestamp_micros(micros);
    EXPECT_EQ(*parsed, micros);
  }
  // Six-digit years at the edge of the int64 range parse; one step further overflows.
  EXPECT_TRUE(parse_timestamp_micros("294247-01-01").is_ok());
  EXPECT_FALSE(parse_timestamp_micros("294248-01-01").is_ok());
  EXPECT_FALSE(parse_timestamp_micros("-294248-01-01").is_ok());
  Result<int64_t> error = parse_timestamp_micros("yesterday");
  ASSERT_FALSE(error.is_ok());
  EXPECT_EQ(error.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ValueCoercionTest, Date) {
  const ColumnDef date = column_of(DataType::kDate);
  EXPECT_EQ(coerced(text("1970-01-01"), date), Value(int64_t{0}));
  EXPECT_EQ(coerced(text("2026-11-24"), date), Value(int64_t{20781}));
  EXPECT_EQ(coerced(text("1969-12-31"), date), Value(int64_t{-1}));
  EXPECT_EQ(coerced(text("2000-02-29"), date), Value(int64_t{11016}));
  EXPECT_EQ(coerced(Value(int64_t{20781}), date), Value(int64_t{20781}));
  expect_mismatch(Value(int64_t{106751992}), date);
  expect_mismatch(Value(std::numeric_limits<int64_t>::min()), date);
  for (std::string_view bad :
       {"1900-02-29", "2026-11-24T00:00:00Z", "2026-11-24 ", "20261124", "", "2026-00-10"}) {
    expect_mismatch(text(bad), date);
  }
  expect_mismatch(Value(1.0), date);
  EXPECT_EQ(format_date_days(20781), "2026-11-24");
  EXPECT_EQ(format_date_days(0), "1970-01-01");
  EXPECT_EQ(format_date_days(-1), "1969-12-31");
  EXPECT_EQ(format_date_days(-719529), "-0001-12-31");
  EXPECT_FALSE(format_date_days(std::numeric_limits<int64_t>::max()).empty());  // never crashes
  EXPECT_FALSE(format_date_days(std::numeric_limits<int64_t>::min()).empty());
}

TEST(ValueCoercionTest, Time) {
  const ColumnDef time = column_of(DataType::kTime);
  EXPECT_EQ(coerced(text("10:15:30.123456"), time), Value(int64_t{36930123456}));
  EXPECT_EQ(coerced(text("00:00:00"), time), Value(int64_t{0}));
  EXPECT_EQ(coerced(text("23:59:59.999999"), time), Value(int64_t{86399999999}));
  EXPECT_EQ(coerced(text("10:15"), time), Value(int64_t{36900000000}));
  EXPECT_EQ(coerced(text("10:15:30.5"), time), Value(int64_t{36930500000}));
  EXPECT_EQ(coerced(Value(int64_t{0}), time), Value(int64_t{0}));
  EXPECT_EQ(coerced(Value(int64_t{86399999999}), time), Value(int64_t{86399999999}));
  expect_mismatch(Value(int64_t{86400000000}), time);
  expect_mismatch(Value(int64_t{-1}), time);
  for (std::string_view bad : {"24:00:00", "23:59:59.9999999", "10:15:30Z", "10:15:30+02:00", "1:15:30",
                               "10:15:3", "10:61:00", "10", "", "10:15:30."}) {
    expect_mismatch(text(bad), time);
  }
  EXPECT_EQ(format_time_micros(36930123456), "10:15:30.123456");
  EXPECT_EQ(format_time_micros(0), "00:00:00.000000");
  EXPECT_EQ(format_time_micros(-1), "23:59:59.999999");
}

TEST(ValueCoercionTest, Uuid) {
  const ColumnDef uuid = column_of(DataType::kUuid);
  EXPECT_EQ(coerced(text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), uuid),
            text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(coerced(text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), uuid),
            text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(coerced(text("A0eebc99-9C0b-4ef8-bb6d-6bb9bd380A11"), uuid),
            text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  for (std::string_view bad : {"a0eebc999c0b4ef8bb6d6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
                               "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                               " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""}) {
    expect_mismatch(text(bad), uuid);
  }
  expect_mismatch(Value(int64_t{1}), uuid);
}

TEST(ValueCoercionTest, MismatchDetailsShowTruncatedSanitizedValue) {
  const ColumnDef integer = column_of(DataType::kInt);
  std::string long_text(500, 'x');
  Result<Value> result = coerce_value(text(long_text), integer);
  ASSERT_FALSE(result.is_ok());
  const std::string& shown = std::get<std::string>(*result.status().detail("value"));
  EXPECT_EQ(shown, std::string(97, 'x') + "...");
  EXPECT_EQ(std::get<std::string>(*result.status().detail("expected_type")), "INT");
  EXPECT_EQ(result.status().message().find(long_text), std::string::npos);

  // Exactly 100 characters are shown in full; multi-byte characters count once.
  std::string hundred;
  for (int idx = 0; idx < 100; ++idx) hundred += "ä";
  Result<Value> exact = coerce_value(text(hundred), integer);
  EXPECT_EQ(std::get<std::string>(*exact.status().detail("value")), hundred);

  // Invalid UTF-8 is never echoed back raw.
  Result<Value> invalid = coerce_value(text("a\xFF"
                                            "b"),
                                       column_of(DataType::kText));
  ASSERT_FALSE(invalid.is_ok());
  EXPECT_EQ(std::get<std::string>(*invalid.status().detail("value")),
            "a\xEF\xBF\xBD"
            "b");

  ColumnDef varchar = column_of(DataType::kText, 3);
  Result<Value> too_long = coerce_value(text("abcd"), varchar);
  EXPECT_EQ(std::get<std::string>(*too_long.status().detail("expected_type")), "VARCHAR(3)");
}

TEST(ValueCoercionTest, ToSqlValueGivesTimeTextAndIdentityOtherwise) {
  EXPECT_EQ(to_sql_value(Value(int64_t{20781}), column_of(DataType::kDate)), text("2026-11-24"));
  EXPECT_EQ(to_sql_value(Value(int64_t{-1}), column_of(DataType::kTimestamp)),
            text("1969-12-31T23:59:59.999999Z"));
  EXPECT_EQ(to_sql_value(Value(int64_t{3723000001}), column_of(DataType::kTime)), text("01:02:03.000001"));
  EXPECT_EQ(to_sql_value(Value(int64_t{7}), column_of(DataType::kBigInt)), Value(int64_t{7}));
  EXPECT_EQ(to_sql_value(text("1.50"), decimal_of(3, 2)), text("1.50"));
  EXPECT_EQ(to_sql_value(Value(true), column_of(DataType::kBoolean)), Value(true));
  EXPECT_TRUE(is_null(to_sql_value(Value(), column_of(DataType::kUuid))));
}

TEST(ValueCoercionTest, FormatDouble) {
  EXPECT_EQ(format_double(1.5), "1.5");
  EXPECT_EQ(format_double(100.0), "100");
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(1e20), "1e+20");
  EXPECT_EQ(format_double(std::nan("")), "NaN");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(ValueCoercionTest, ArbitraryTextOnlyEverYieldsTypeMismatch) {
  // Random strings drawn from characters that matter to the parsers: every result is
  // either a value of the column's stored kind or TYPE_MISMATCH, never a crash.
  static constexpr std::string_view kAlphabet = "0123456789+-.eE:TZ tfxN aI\x80\xC3\xA4{}[]\"'";
  std::mt19937 random(7);
  std::vector<ColumnDef> columns;
  for (DataType type :
       {DataType::kBoolean, DataType::kSmallInt, DataType::kInt, DataType::kBigInt, DataType::kFloat,
        DataType::kDouble, DataType::kText, DataType::kBytes, DataType::kJson, DataType::kTimestamp,
        DataType::kDate, DataType::kTime, DataType::kUuid}) {
    columns.push_back(column_of(type, 5));
  }
  columns.push_back(decimal_of(6, 3));
  size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    const size_t length = random() % 24;
    for (size_t idx = 0; idx < length; ++idx) input += kAlphabet[random() % kAlphabet.size()];
    for (const ColumnDef& column : columns) {
      Result<Value> result = coerce_value(text(input), column);
      if (result.is_ok()) {
        ++accepted;
        EXPECT_FALSE(is_null(*result));
        // Coercion is idempotent on its own output.
        Result<Value> again = coerce_value(*result, column);
        ASSERT_TRUE(again.is_ok()) << input;
        if (!std::holds_alternative<double>(*result)) {
          EXPECT_EQ(*again, *result) << input;
        }
      } else {
        EXPECT_EQ(result.status().code(), ErrorCode::kTypeMismatch) << input;
      }
    }
  }
  EXPECT_GT(accepted, 0u);
}

}  // namespace
}  // namespace kalam

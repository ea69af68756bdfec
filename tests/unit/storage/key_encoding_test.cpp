// Tests for storage/key_encoding.h: encoded byte order equals SQL order, round trips,
// composite keys, malformed input and prefix_successor.
#include "storage/key_encoding.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace kalam {
namespace {

using namespace std::string_literals;

struct Blob {
  std::string bytes;
};
// One SQL value as a key part.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string, Blob>;

void append_value(KeyEncoder& encoder, const Value& value) {
  switch (value.index()) {
    case 0:
      encoder.append_null();
      break;
    case 1:
      encoder.append_bool(std::get<bool>(value));
      break;
    case 2:
      encoder.append_int64(std::get<int64_t>(value));
      break;
    case 3:
      encoder.append_double(std::get<double>(value));
      break;
    case 4:
      encoder.append_string(std::get<std::string>(value));
      break;
    case 5:
      encoder.append_bytes(std::get<Blob>(value).bytes);
      break;
  }
}

std::string encode(const std::vector<Value>& tuple) {
  KeyEncoder encoder;
  for (const Value& value : tuple) append_value(encoder, value);
  return encoder.release();
}
std::string encode_one(const Value& value) { return encode({value}); }

Result<Value> read_value(KeyDecoder& decoder) {
  KALAM_ASSIGN_OR_RETURN(KeyType type, decoder.peek_type());
  switch (type) {
    case KeyType::kNull:
      KALAM_RETURN_IF_ERROR(decoder.read_null());
      return Value(std::monostate{});
    case KeyType::kBool: {
      KALAM_ASSIGN_OR_RETURN(bool value, decoder.read_bool());
      return Value(value);
    }
    case KeyType::kInt64: {
      KALAM_ASSIGN_OR_RETURN(int64_t value, decoder.read_int64());
      return Value(value);
    }
    case KeyType::kDouble: {
      KALAM_ASSIGN_OR_RETURN(double value, decoder.read_double());
      return Value(value);
    }
    case KeyType::kString: {
      KALAM_ASSIGN_OR_RETURN(std::string value, decoder.read_string());
      return Value(std::move(value));
    }
    case KeyType::kBytes: {
      KALAM_ASSIGN_OR_RETURN(std::string value, decoder.read_bytes());
      return Value(Blob{std::move(value)});
    }
  }
  return Status(ErrorCode::kInternalError, "unreachable");
}

// SQL order (SQLite's: NULL < numbers < text < blob; bool is the first "number" range
// here, doubles with -0.0 == 0.0 and NaN last). Returns <0, 0, >0.
int sql_compare(const Value& left, const Value& right) {
  if (left.index() != right.index()) return left.index() < right.index() ? -1 : 1;
  switch (left.index()) {
    case 0:
      return 0;
    case 1:
      return static_cast<int>(std::get<bool>(left)) - static_cast<int>(std::get<bool>(right));
    case 2: {
      const int64_t a = std::get<int64_t>(left), b = std::get<int64_t>(right);
      return a < b ? -1 : (a > b ? 1 : 0);
    }
    case 3: {
      const double a = std::get<double>(left), b = std::get<double>(right);
      if (std::isnan(a) || std::isnan(b)) return std::isnan(a) - std::isnan(b);
      return a < b ? -1 : (a > b ? 1 : 0);
    }
    case 4:
      return std::get<std::string>(left).compare(std::get<std::string>(right));  // unsigned bytes
    case 5:
      return std::get<Blob>(left).bytes.compare(std::get<Blob>(right).bytes);
  }
  return 0;
}

int tuple_compare(const std::vector<Value>& left, const std::vector<Value>& right) {
  for (size_t part_idx = 0; part_idx < std::min(left.size(), right.size()); ++part_idx) {
    const int cmp = sql_compare(left[part_idx], right[part_idx]);
    if (cmp != 0) return cmp;
  }
  return left.size() < right.size() ? -1 : (left.size() > right.size() ? 1 : 0);
}

// Byte-wise unsigned comparison, as RocksDB's default comparator does.
int bytes_compare(const std::string& left, const std::string& right) {
  const int cmp = std::memcmp(left.data(), right.data(), std::min(left.size(), right.size()));
  if (cmp != 0) return cmp < 0 ? -1 : 1;
  return left.size() < right.size() ? -1 : (left.size() > right.size() ? 1 : 0);
}

int sign(int value) { return (value > 0) - (value < 0); }

std::string describe(const Value& value) {
  switch (value.index()) {
    case 0:
      return "NULL";
    case 1:
      return std::get<bool>(value) ? "true" : "false";
    case 2:
      return std::to_string(std::get<int64_t>(value));
    case 3: {
      char buffer[64];
      std::snprintf(buffer, sizeof(buffer), "%.17g", std::get<double>(value));
      return buffer;
    }
    default: {
      const std::string& bytes =
          value.index() == 4 ? std::get<std::string>(value) : std::get<Blob>(value).bytes;
      std::string out = value.index() == 4 ? "text:" : "blob:";
      for (unsigned char c : bytes) {
        char buffer[8];
        std::snprintf(buffer, sizeof(buffer), "%02x", c);
        out += buffer;
      }
      return out;
    }
  }
}

// Values in ascending SQL order; each strictly greater than the previous one.
std::vector<Value> sorted_values() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return {
      std::monostate{},
      false,
      true,
      std::numeric_limits<int64_t>::min(),
      std::numeric_limits<int64_t>::min() + 1,
      int64_t{-4294967296},
      int64_t{-256},
      int64_t{-255},
      int64_t{-1},
      int64_t{0},
      int64_t{1},
      int64_t{255},
      int64_t{256},
      int64_t{4294967296},
      std::numeric_limits<int64_t>::max() - 1,
      std::numeric_limits<int64_t>::max(),
      -kInf,
      std::numeric_limits<double>::lowest(),
      -1e300,
      -2.5,
      -1.0,
      -std::numeric_limits<double>::min(),
      -std::numeric_limits<double>::denorm_min(),
      0.0,
      std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::min(),
      0.5,
      1.0,
      2.5,
      1e300,
      std::numeric_limits<double>::max(),
      kInf,
      std::numeric_limits<double>::quiet_NaN(),
      ""s,
      "\0"s,
      "\0\0"s,
      "\0\x01"s,
      "\x01"s,
      "a"s,
      "a\0"s,
      "a\0\0"s,
      "a\0b"s,
      "a\x01"s,
      "ab"s,
      "abc"s,
      "b"s,
      "\xc3\xa9"s,  // é in UTF-8: byte order
      "\xff"s,
      "\xff\xff"s,
      Blob{""s},
      Blob{"\0"s},
      Blob{"\0\xff"s},
      Blob{"\x01"s},
      Blob{"a"s},
      Blob{"a\0"s},
      Blob{"a\0b"s},
      Blob{"ab"s},
      Blob{"\xfe"s},
      Blob{"\xff"s},
      Blob{"\xff\0"s},
      Blob{"\xff\xff"s},
  };
}

TEST(KeyEncodingTest, EncodedOrderEqualsSqlOrderForEveryType) {
  const std::vector<Value> values = sorted_values();
  for (size_t left_idx = 0; left_idx < values.size(); ++left_idx) {
    for (size_t right_idx = 0; right_idx < values.size(); ++right_idx) {
      const int expected = sign(left_idx < right_idx ? -1 : (left_idx > right_idx ? 1 : 0));
      ASSERT_EQ(sign(sql_compare(values[left_idx], values[right_idx])), expected)
          << "test list not sorted: " << describe(values[left_idx]) << " vs " << describe(values[right_idx]);
      ASSERT_EQ(bytes_compare(encode_one(values[left_idx]), encode_one(values[right_idx])), expected)
          << describe(values[left_idx]) << " vs " << describe(values[right_idx]);
    }
  }
}

TEST(KeyEncodingTest, NegativeZeroEqualsZeroAndEveryNanIsOneValueAfterInfinity) {
  EXPECT_EQ(encode_one(-0.0), encode_one(0.0));
  const double negative_nan = -std::numeric_limits<double>::quiet_NaN();
  ASSERT_TRUE(std::signbit(negative_nan));
  EXPECT_EQ(encode_one(negative_nan), encode_one(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(encode_one(std::numeric_limits<double>::signaling_NaN()),
            encode_one(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_GT(bytes_compare(encode_one(negative_nan), encode_one(std::numeric_limits<double>::infinity())), 0);

  const std::string negative_zero = encode_one(-0.0);
  KeyDecoder decoder(negative_zero);
  Result<double> zero = decoder.read_double();
  ASSERT_TRUE(zero.is_ok());
  EXPECT_EQ(*zero, 0.0);
  EXPECT_FALSE(std::signbit(*zero));
}

TEST(KeyEncodingTest, RandomValuesKeepOrder) {
  std::mt19937_64 rng(20240101);
  std::uniform_int_distribution<int> small(-3, 3);
  for (int trial_idx = 0; trial_idx < 20000; ++trial_idx) {
    // Integers: mix full-range and near-zero values.
    const int64_t a = trial_idx % 2 ? static_cast<int64_t>(rng()) : small(rng);
    const int64_t b = trial_idx % 3 ? static_cast<int64_t>(rng()) : small(rng);
    ASSERT_EQ(bytes_compare(encode_one(a), encode_one(b)), sign(sql_compare(a, b))) << a << " vs " << b;
    // Doubles from random bit patterns (covers subnormals, infinities, NaNs).
    const double x = std::bit_cast<double>(static_cast<uint64_t>(rng()));
    const double y = trial_idx % 4 ? std::bit_cast<double>(static_cast<uint64_t>(rng())) : -x;
    ASSERT_EQ(bytes_compare(encode_one(x), encode_one(y)), sign(sql_compare(x, y))) << x << " vs " << y;
  }
}

std::string random_bytes(std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = {'\0', '\x01', '\xff', 'a', 'b'};
  std::string out(rng() % 6, '\0');
  for (char& c : out) c = kAlphabet[rng() % sizeof(kAlphabet)];
  return out;
}

TEST(KeyEncodingTest, RandomStringsWithZeroBytesKeepOrder) {
  std::mt19937_64 rng(7);
  for (int trial_idx = 0; trial_idx < 20000; ++trial_idx) {
    const std::string a = random_bytes(rng);
    const std::string b = random_bytes(rng);
    ASSERT_EQ(bytes_compare(encode_one(a), encode_one(b)), sign(bytes_compare(a, b)))
        << describe(a) << " vs " << describe(b);
    ASSERT_EQ(bytes_compare(encode_one(Blob{a}), encode_one(Blob{b})), sign(bytes_compare(a, b)));
  }
}

TEST(KeyEncodingTest, CompositeKeysCompareComponentByComponent) {
  // Without the terminator, ("a", "b") and ("ab", "") could collide or misorder; with NULLs
  // and numbers mixed in, every pair of tuples must compare like the tuples.
  std::mt19937_64 rng(99);
  std::vector<std::vector<Value>> tuples = {
      {"a"s, "b"s},
      {"ab"s, ""s},
      {"a"s, ""s},
      {"a\0"s, ""s},
      {"a"s, "\0"s},
      {"a"s},
      {std::monostate{}, "z"s},
      {""s, "a"s},
      {""s},
      {int64_t{1}, "a"s},
      {int64_t{-1}, "b"s},
      {int64_t{1}, std::monostate{}},
      {int64_t{1}, 2.5},
      {int64_t{1}, -2.5},
      {int64_t{1}, "a"s, int64_t{5}},
      {int64_t{1}, "a\0"s, int64_t{-5}},
  };
  for (int tuple_idx = 0; tuple_idx < 300; ++tuple_idx) {
    std::vector<Value> tuple;
    const size_t parts = 1 + rng() % 3;
    for (size_t part_idx = 0; part_idx < parts; ++part_idx) {
      switch (rng() % 4) {
        case 0:
          tuple.emplace_back(std::monostate{});
          break;
        case 1:
          tuple.emplace_back(static_cast<int64_t>(rng() % 5) - 2);
          break;
        default:
          tuple.emplace_back(random_bytes(rng));
      }
    }
    tuples.push_back(std::move(tuple));
  }
  for (const auto& left : tuples) {
    for (const auto& right : tuples) {
      ASSERT_EQ(bytes_compare(encode(left), encode(right)), sign(tuple_compare(left, right)));
    }
  }
}

TEST(KeyEncodingTest, IdPrefixesSortNumericallyAndScopeTables) {
  // [table_id u64][scope string][pk]: table 1's keys all sort before table 2's.
  KeyEncoder first;
  first.append_u64(1);
  first.append_string("\xff\xff user");
  first.append_int64(std::numeric_limits<int64_t>::max());
  KeyEncoder second;
  second.append_u64(2);
  second.append_string("");
  second.append_int64(std::numeric_limits<int64_t>::min());
  EXPECT_LT(bytes_compare(first.data(), second.data()), 0);

  const std::vector<uint64_t> ids = {
      0, 1, 255, 256, 65535, 65536, 4294967295ULL, 4294967296ULL, std::numeric_limits<uint64_t>::max()};
  for (size_t id_idx = 1; id_idx < ids.size(); ++id_idx) {
    KeyEncoder lower, higher;
    lower.append_u64(ids[id_idx - 1]);
    higher.append_u64(ids[id_idx]);
    EXPECT_LT(bytes_compare(lower.data(), higher.data()), 0) << ids[id_idx];
    EXPECT_EQ(lower.size(), 8u);
  }
  KeyEncoder small, large;
  small.append_u32(0x00FFFFFF);
  large.append_u32(0x01000000);
  EXPECT_LT(bytes_compare(small.data(), large.data()), 0);
  EXPECT_EQ(small.data(), "\x00\xff\xff\xff"s);
}

TEST(KeyEncodingTest, DecodeOfEncodeReturnsTheValues) {
  const std::vector<Value> values = sorted_values();
  for (const Value& value : values) {
    const std::string encoded = encode_one(value);
    KeyDecoder decoder(encoded);
    Result<Value> decoded = read_value(decoder);
    ASSERT_TRUE(decoded.is_ok()) << describe(value) << ": " << decoded.status().to_string();
    EXPECT_TRUE(decoder.done()) << describe(value);
    ASSERT_EQ(decoded->index(), value.index()) << describe(value);
    if (value.index() == 3 && std::isnan(std::get<double>(value))) {
      EXPECT_TRUE(std::isnan(std::get<double>(*decoded)));
    } else {
      EXPECT_EQ(sql_compare(*decoded, value), 0) << describe(value) << " -> " << describe(*decoded);
    }
  }
  // The whole list as one composite key, with untagged parts in between.
  KeyEncoder encoder;
  encoder.append_u64(0x0102030405060708ULL);
  encoder.append_u32(0xDEADBEEF);
  encoder.append_raw("raw!");
  for (const Value& value : values) append_value(encoder, value);
  const std::string composite = encoder.release();
  EXPECT_TRUE(encoder.data().empty());
  KeyDecoder decoder(composite);
  Result<uint64_t> table_id = decoder.read_u64();
  ASSERT_TRUE(table_id.is_ok());
  EXPECT_EQ(*table_id, 0x0102030405060708ULL);
  Result<uint32_t> u32 = decoder.read_u32();
  ASSERT_TRUE(u32.is_ok());
  EXPECT_EQ(*u32, 0xDEADBEEFu);
  Result<std::string_view> raw = decoder.read_raw(4);
  ASSERT_TRUE(raw.is_ok());
  EXPECT_EQ(*raw, "raw!");
  for (const Value& value : values) {
    Result<Value> decoded = read_value(decoder);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    ASSERT_EQ(decoded->index(), value.index());
    if (value.index() != 3 || !std::isnan(std::get<double>(value))) {
      EXPECT_EQ(sql_compare(*decoded, value), 0) << describe(value);
    }
  }
  EXPECT_TRUE(decoder.done());
}

TEST(KeyEncodingTest, StringEscapingIsExact) {
  KeyEncoder encoder;
  encoder.append_string("a\0b"s);
  EXPECT_EQ(encoder.data(),
            "\x40"
            "a\x00\xff"
            "b\x00\x01"s);
  encoder.clear();
  encoder.append_bytes("");
  EXPECT_EQ(encoder.data(), "\x50\x00\x01"s);
  encoder.clear();
  encoder.append_int64(0);
  EXPECT_EQ(encoder.data(), "\x20\x80\x00\x00\x00\x00\x00\x00\x00"s);
}

TEST(KeyEncodingTest, PeekAndSkip) {
  KeyEncoder encoder;
  encoder.append_string("x\0y"s);
  encoder.append_null();
  encoder.append_double(1.5);
  encoder.append_bool(true);
  encoder.append_bytes("\0"s);
  encoder.append_int64(42);
  KeyDecoder decoder(encoder.data());
  const std::vector<KeyType> expected = {KeyType::kString, KeyType::kNull,  KeyType::kDouble,
                                         KeyType::kBool,   KeyType::kBytes, KeyType::kInt64};
  for (KeyType type : expected) {
    Result<KeyType> peeked = decoder.peek_type();
    ASSERT_TRUE(peeked.is_ok());
    EXPECT_EQ(*peeked, type);
    if (type == KeyType::kInt64) break;
    ASSERT_TRUE(decoder.skip_value().is_ok());
  }
  Result<int64_t> last = decoder.read_int64();
  ASSERT_TRUE(last.is_ok());
  EXPECT_EQ(*last, 42);
  EXPECT_TRUE(decoder.done());
  EXPECT_FALSE(decoder.peek_type().is_ok());
  EXPECT_FALSE(decoder.skip_value().is_ok());
}

TEST(KeyEncodingTest, MalformedInputReturnsErrorAndKeepsPosition) {
  struct Case {
    std::string name;
    std::string input;
    std::function<bool(KeyDecoder&)> read_ok;
  };
  auto string_ok = [](KeyDecoder& d) { return d.read_string().is_ok(); };
  auto int_ok = [](KeyDecoder& d) { return d.read_int64().is_ok(); };
  const std::vector<Case> cases = {
      {"empty int64", "", int_ok},
      {"empty string", "", string_ok},
      {"truncated int64", "\x20\x80\x00\x00"s, int_ok},
      {"truncated double", "\x30\x80"s, [](KeyDecoder& d) { return d.read_double().is_ok(); }},
      {"wrong type",
       "\x40"
       "a\x00\x01"s,
       int_ok},
      {"string read as bytes",
       "\x40"
       "a\x00\x01"s,
       [](KeyDecoder& d) { return d.read_bytes().is_ok(); }},
      {"int read as string", "\x20\x80\x00\x00\x00\x00\x00\x00\x00"s, string_ok},
      {"unknown tag", "\x99"s, [](KeyDecoder& d) { return d.peek_type().is_ok(); }},
      {"unknown tag skip", "\x99"s, [](KeyDecoder& d) { return d.skip_value().is_ok(); }},
      {"unterminated string",
       "\x40"
       "abc"s,
       string_ok},
      {"string ends after escape byte",
       "\x40"
       "abc\x00"s,
       string_ok},
      {"bad escape",
       "\x40"
       "a\x00\x02"s,
       string_ok},
      {"bad escape in bytes", "\x50\x00\x00"s, [](KeyDecoder& d) { return d.read_bytes().is_ok(); }},
      {"null read as bool", "\x05"s, [](KeyDecoder& d) { return d.read_bool().is_ok(); }},
      {"bool read as null", "\x11"s, [](KeyDecoder& d) { return d.read_null().is_ok(); }},
      {"truncated u64", "\x01\x02\x03\x04\x05\x06\x07"s, [](KeyDecoder& d) { return d.read_u64().is_ok(); }},
      {"truncated u32", "\x01\x02\x03"s, [](KeyDecoder& d) { return d.read_u32().is_ok(); }},
      {"raw too long", "abc"s, [](KeyDecoder& d) { return d.read_raw(4).is_ok(); }},
  };
  for (const Case& test_case : cases) {
    KeyDecoder decoder(test_case.input);
    EXPECT_FALSE(test_case.read_ok(decoder)) << test_case.name;
    EXPECT_EQ(decoder.position(), 0u) << test_case.name;
  }
  const std::string bad_escape =
      "\x40"
      "a\x00\x03"s;
  KeyDecoder decoder(bad_escape);
  Result<std::string> bad = decoder.read_string();
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInternalStorageError);
  EXPECT_NE(bad.status().message().find("malformed key"), std::string::npos) << bad.status().message();
}

TEST(KeyEncodingTest, PrefixSuccessor) {
  EXPECT_EQ(prefix_successor("abc"), "abd");
  EXPECT_EQ(prefix_successor("ab\xff"s), "ac");
  EXPECT_EQ(prefix_successor("a\xff\xff"s), "b");
  EXPECT_EQ(prefix_successor("\x00"s), "\x01"s);
  EXPECT_EQ(prefix_successor("\xfe"s), "\xff"s);
  EXPECT_EQ(prefix_successor("\xff\xff"s), "");
  EXPECT_EQ(prefix_successor(""), "");

  // Every key that starts with the prefix sorts below the successor; the successor and
  // everything above it do not start with the prefix.
  std::mt19937_64 rng(3);
  for (int trial_idx = 0; trial_idx < 5000; ++trial_idx) {
    const std::string prefix = random_bytes(rng);
    const std::string successor = prefix_successor(prefix);
    const std::string key = prefix + random_bytes(rng);
    if (successor.empty()) {
      ASSERT_EQ(prefix.find_first_not_of('\xff'), std::string::npos);
      continue;
    }
    ASSERT_LT(bytes_compare(key, successor), 0);
    ASSERT_LT(bytes_compare(prefix, successor), 0);
    ASSERT_NE(successor.substr(0, prefix.size()), prefix);
  }
}

}  // namespace
}  // namespace kalam

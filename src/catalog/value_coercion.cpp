// Conversion of written values to their stored form per column type, plus the ISO-8601
// date/time parsers and formatters shared by coercion, defaults and API output.
#include "catalog/value_coercion.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <system_error>

#include "common/ids.h"
#include "common/string_util.h"
#include "common/time_util.h"

namespace kalam {
namespace {

using Int128 = __int128;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// DATE values are limited to days whose midnight is a valid TIMESTAMP.
constexpr int64_t kMaxDateDays = std::numeric_limits<int64_t>::max() / kMicrosPerDay;
constexpr size_t kMaxShownValueChars = 100;
// Same nesting limit as SQLite's JSON functions, which later read these values.
constexpr size_t kMaxJsonDepth = 1000;
// Guards against absurd DECIMAL definitions (corrupt catalog) allocating huge strings.
constexpr int32_t kMaxSaneDecimalDigits = 1000;

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// ---------------------------------------------------------------------------------------
// Error reporting

// Length of the UTF-8 sequence starting at text[pos], or 0 when it is not a valid one.
size_t utf8_sequence_length(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = 1;
  if (lead >= 0xF0) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = 3;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  if (pos + length > text.size()) return 0;
  return is_valid_utf8(text.substr(pos, length)) ? length : 0;
}

// The input as shown in error details: text form, invalid UTF-8 replaced by U+FFFD, at most
// kMaxShownValueChars code points (97 and "..." when longer).
std::string shown_value(const Value& input) {
  std::string text;
  if (std::holds_alternative<std::monostate>(input)) return "NULL";
  if (const bool* flag = std::get_if<bool>(&input)) return *flag ? "true" : "false";
  if (const int64_t* number = std::get_if<int64_t>(&input)) return std::to_string(*number);
  if (const double* real = std::get_if<double>(&input)) return format_double(*real);
  const std::string& raw = std::get<std::string>(input);
  std::string out;
  size_t chars = 0;
  size_t pos = 0;
  while (pos < raw.size()) {
    if (chars == kMaxShownValueChars - 3) {
      // Does the rest fit in the three remaining characters?
      size_t rest_chars = 0;
      size_t scan = pos;
      while (scan < raw.size() && rest_chars <= 3) {
        size_t length = utf8_sequence_length(raw, scan);
        scan += length == 0 ? 1 : length;
        ++rest_chars;
      }
      if (rest_chars > 3) {
        out += "...";
        return out;
      }
    }
    size_t length = utf8_sequence_length(raw, pos);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      pos += 1;
    } else {
      out.append(raw, pos, length);
      pos += length;
    }
    ++chars;
  }
  return out;
}

Status mismatch(const Value& input, const ColumnDef& column, std::string_view reason) {
  std::string type_sql = column_type_sql(column);
  std::string shown = shown_value(input);
  std::string message = "cannot store ";
  message += std::holds_alternative<std::string>(input) ? "'" + shown + "'" : shown;
  message += " in column '" + column.name + "' of type " + type_sql + ": " + std::string(reason);
  return Status(ErrorCode::kTypeMismatch, std::move(message))
      .with_detail("column_name", column.name)
      .with_detail("expected_type", type_sql)
      .with_detail("value", shown)
      .with_detail("reason", std::string(reason));
}

// ---------------------------------------------------------------------------------------
// Numbers

// [+-]digits
bool is_integer_text(std::string_view text) {
  size_t pos = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
  if (pos == text.size()) return false;
  for (; pos < text.size(); ++pos) {
    if (!is_digit(text[pos])) return false;
  }
  return true;
}

std::string_view strip_plus(std::string_view text) {
  return !text.empty() && text[0] == '+' ? text.substr(1) : text;
}

// REQUIRES: is_integer_text(text). nullopt when beyond int64.
std::optional<int64_t> parse_int64(std::string_view text) {
  text = strip_plus(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

struct DecimalParts {
  bool negative = false;
  std::string digits;    // significant digits, no leading zeros; empty = zero
  int64_t exponent = 0;  // value = digits × 10^exponent
};

// REQUIRES: is_number_text(text).
DecimalParts split_decimal(std::string_view text) {
  DecimalParts parts;
  size_t pos = 0;
  if (text[0] == '+' || text[0] == '-') {
    parts.negative = text[0] == '-';
    ++pos;
  }
  int64_t frac_digits = 0;
  bool in_fraction = false;
  for (; pos < text.size() && text[pos] != 'e' && text[pos] != 'E'; ++pos) {
    if (text[pos] == '.') {
      in_fraction = true;
      continue;
    }
    if (in_fraction) ++frac_digits;
    if (parts.digits.empty() && text[pos] == '0') continue;
    parts.digits += text[pos];
  }
  int64_t exponent = 0;
  if (pos < text.size()) {
    ++pos;  // 'e'
    bool exp_negative = false;
    if (text[pos] == '+' || text[pos] == '-') exp_negative = text[pos++] == '-';
    for (; pos < text.size(); ++pos) {
      // Saturate: anything this large is far beyond any precision or rounds to zero.
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (text[pos] - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  parts.exponent = exponent - frac_digits;
  return parts;
}

// Exact numeric text or NaN/Infinity → double. nullopt when not a number or beyond the
// range of double (underflow rounds to zero, as IEEE arithmetic does).
std::optional<double> parse_double_text(std::string_view text) {
  if (iequals(text, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (iequals(text, "infinity") || iequals(text, "+infinity")) return std::numeric_limits<double>::infinity();
  if (iequals(text, "-infinity")) return -std::numeric_limits<double>::infinity();
  if (!is_number_text(text)) return std::nullopt;
  std::string_view unsigned_text = strip_plus(text);
  double value = 0;
  auto [end, ec] = std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), value);
  if (end != unsigned_text.data() + unsigned_text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // libstdc++ reports both overflow and total underflow; tell them apart by magnitude.
    const DecimalParts parts = split_decimal(text);
    if (static_cast<int64_t>(parts.digits.size()) + parts.exponent > 0) return std::nullopt;
    return parts.negative ? -0.0 : 0.0;
  }
  if (ec != std::errc()) return std::nullopt;
  return value;
}

// Range-checks an integer for SMALLINT/INT/BIGINT.
bool fits_integer_type(int64_t value, DataType type) {
  switch (type) {
    case DataType::kSmallInt:
      return value >= std::numeric_limits<int16_t>::min() && value <= std::numeric_limits<int16_t>::max();
    case DataType::kInt:
      return value >= std::numeric_limits<int32_t>::min() && value <= std::numeric_limits<int32_t>::max();
    default:
      return true;
  }
}

// A double that is integral and inside int64 → that integer.
std::optional<int64_t> integral_double(double value) {
  if (!std::isfinite(value) || std::trunc(value) != value) return std::nullopt;
  // 2^63 is exactly representable; every double below it (and >= -2^63) converts safely.
  if (value < -9223372036854775808.0 || value >= 9223372036854775808.0) return std::nullopt;
  return static_cast<int64_t>(value);
}

Result<Value> coerce_integer(const Value& input, const ColumnDef& column) {
  std::optional<int64_t> number;
  if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    number = *integer;
  } else if (const double* real = std::get_if<double>(&input)) {
    if (!std::isfinite(*real) || std::trunc(*real) != *real) {
      return mismatch(input, column, "not an integer");
    }
    number = integral_double(*real);
    if (!number) return mismatch(input, column, "out of range");
  } else if (const std::string* text = std::get_if<std::string>(&input)) {
    if (!is_integer_text(*text)) return mismatch(input, column, "not an integer");
    number = parse_int64(*text);
    if (!number) return mismatch(input, column, "out of range");
  } else {
    return mismatch(input, column, "not an integer");
  }
  if (!fits_integer_type(*number, column.type)) return mismatch(input, column, "out of range");
  return Value(*number);
}

Result<Value> coerce_real(const Value& input, const ColumnDef& column) {
  double real = 0;
  if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    real = static_cast<double>(*integer);
  } else if (const double* value = std::get_if<double>(&input)) {
    real = *value;
  } else if (const std::string* text = std::get_if<std::string>(&input)) {
    std::optional<double> parsed = parse_double_text(*text);
    if (!parsed) return mismatch(input, column, is_number_text(*text) ? "out of range" : "not a number");
    real = *parsed;
  } else {
    return mismatch(input, column, "not a number");
  }
  // FLOAT holds a 64-bit double like DOUBLE (SQLite's REAL): a value reads back and
  // compares exactly as written (docs/decisions.md, "FLOAT is a double").
  return Value(real);
}

// ---------------------------------------------------------------------------------------
// DECIMAL

// Adds one to a string of decimal digits.
void increment_digits(std::string& digits) {
  for (size_t idx = digits.size(); idx-- > 0;) {
    if (digits[idx] != '9') {
      ++digits[idx];
      return;
    }
    digits[idx] = '0';
  }
  digits.insert(digits.begin(), '1');
}

// Canonical DECIMAL(precision, scale) text of `parts`, or nullopt when it needs more
// than `precision` digits after rounding half away from zero to `scale` digits.
std::optional<std::string> format_decimal(const DecimalParts& parts, int32_t precision, int32_t scale) {
  std::string scaled;  // the value × 10^scale, rounded, as digits
  if (!parts.digits.empty()) {
    const int64_t shift = parts.exponent + scale;
    const auto size = static_cast<int64_t>(parts.digits.size());
    if (shift >= 0) {
      if (size + shift > precision) return std::nullopt;
      scaled = parts.digits + std::string(static_cast<size_t>(shift), '0');
    } else {
      const int64_t dropped = -shift;
      if (dropped <= size) {
        scaled = parts.digits.substr(0, static_cast<size_t>(size - dropped));
        if (parts.digits[static_cast<size_t>(size - dropped)] >= '5') {
          if (scaled.empty()) scaled = "0";
          increment_digits(scaled);
        }
      }
    }
    size_t first = scaled.find_first_not_of('0');
    scaled = first == std::string::npos ? std::string() : scaled.substr(first);
    if (static_cast<int64_t>(scaled.size()) > precision) return std::nullopt;
  }
  const bool negative = parts.negative && !scaled.empty();
  if (scaled.size() < static_cast<size_t>(scale) + 1) {
    scaled.insert(0, static_cast<size_t>(scale) + 1 - scaled.size(), '0');
  }
  std::string out = negative ? "-" : "";
  out.append(scaled, 0, scaled.size() - static_cast<size_t>(scale));
  if (scale > 0) {
    out += '.';
    out.append(scaled, scaled.size() - static_cast<size_t>(scale), std::string::npos);
  }
  return out;
}

Result<Value> coerce_decimal(const Value& input, const ColumnDef& column) {
  const int32_t precision = column.decimal_precision();
  const int32_t scale = column.decimal_scale();
  if (precision > kMaxSaneDecimalDigits || scale < 0 || scale > kMaxSaneDecimalDigits) {
    return mismatch(input, column, "invalid DECIMAL definition");
  }
  std::string text;
  if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    text = std::to_string(*integer);
  } else if (const double* real = std::get_if<double>(&input)) {
    if (!std::isfinite(*real)) return mismatch(input, column, "not a finite number");
    text = format_double(*real);
  } else if (const std::string* value = std::get_if<std::string>(&input)) {
    if (!is_number_text(*value)) return mismatch(input, column, "not a number");
    text = *value;
  } else {
    return mismatch(input, column, "not a number");
  }
  std::optional<std::string> formatted = format_decimal(split_decimal(text), precision, scale);
  if (!formatted) return mismatch(input, column, "too many digits for the precision");
  return Value(std::move(*formatted));
}

// ---------------------------------------------------------------------------------------
// Text kinds

size_t count_code_points(std::string_view utf8) {
  size_t count = 0;
  for (char ch : utf8) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++count;
  }
  return count;
}

Result<Value> coerce_text(const Value& input, const ColumnDef& column) {
  std::string text;
  if (const std::string* value = std::get_if<std::string>(&input)) {
    if (!is_valid_utf8(*value)) return mismatch(input, column, "invalid UTF-8");
    text = *value;
  } else if (const bool* flag = std::get_if<bool>(&input)) {
    text = *flag ? "true" : "false";
  } else if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    text = std::to_string(*integer);
  } else {
    text = format_double(std::get<double>(input));
  }
  if (column.max_length > 0 && count_code_points(text) > static_cast<size_t>(column.max_length)) {
    return mismatch(input, column, "longer than " + std::to_string(column.max_length) + " characters");
  }
  return Value(std::move(text));
}

// Boost.JSON handler that accepts every event: validation without building a DOM.
struct JsonValidationHandler {
  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t, error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_key_part(string_view, std::size_t, error_code&) { return true; }
  bool on_key(string_view, std::size_t, error_code&) { return true; }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return true; }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(int64_t, string_view, error_code&) { return true; }
  bool on_uint64(uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

bool is_valid_json(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::basic_parser<JsonValidationHandler> parser(options);
  boost::json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  return !ec && used == text.size();
}

Result<Value> coerce_json(const Value& input, const ColumnDef& column) {
  if (const std::string* text = std::get_if<std::string>(&input)) {
    if (!is_valid_json(*text)) return mismatch(input, column, "invalid JSON");
    return Value(*text);
  }
  if (const bool* flag = std::get_if<bool>(&input)) return Value(std::string(*flag ? "true" : "false"));
  if (const int64_t* integer = std::get_if<int64_t>(&input)) return Value(std::to_string(*integer));
  const double real = std::get<double>(input);
  if (!std::isfinite(real)) return mismatch(input, column, "not representable in JSON");
  return Value(format_double(real));
}

Result<Value> coerce_uuid(const Value& input, const ColumnDef& column) {
  const std::string* text = std::get_if<std::string>(&input);
  if (text == nullptr) return mismatch(input, column, "not a UUID");
  std::string lower = to_lower(*text);
  if (!is_canonical_uuid(lower)) return mismatch(input, column, "not a UUID");
  return Value(std::move(lower));
}

// ---------------------------------------------------------------------------------------
// Dates and times

// A cursor over date/time text.
class TextCursor {
 public:
  explicit TextCursor(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool consume(char ch) {
    if (peek() != ch || done()) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` digits.
  bool digits(size_t count, int64_t* value) {
    int64_t result = 0;
    for (size_t idx = 0; idx < count; ++idx) {
      if (done() || !is_digit(text_[pos_])) return false;
      result = result * 10 + (text_[pos_++] - '0');
    }
    *value = result;
    return true;
  }
  // Between min and max digits (as many as present). Sets *count to the number read.
  bool digit_run(size_t min, size_t max, int64_t* value, size_t* count) {
    int64_t result = 0;
    size_t read = 0;
    while (!done() && is_digit(text_[pos_])) {
      if (read == max) return false;
      result = result * 10 + (text_[pos_++] - '0');
      ++read;
    }
    if (read < min) return false;
    *value = result;
    *count = read;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// [+-]YYYY[YY]-MM-DD → days.
bool read_date(TextCursor& cursor, int64_t* days) {
  bool negative = false;
  if (cursor.peek() == '+' || cursor.peek() == '-') {
    negative = cursor.peek() == '-';
    cursor.consume(cursor.peek());
  }
  int64_t year = 0, month = 0, day = 0;
  size_t year_digits = 0;
  if (!cursor.digit_run(4, 6, &year, &year_digits)) return false;
  if (negative) year = -year;
  if (!cursor.consume('-') || !cursor.digits(2, &month) || !cursor.consume('-') || !cursor.digits(2, &day)) {
    return false;
  }
  if (month < 1 || month > 12) return false;
  if (day < 1 || day > days_in_month(year, static_cast<unsigned>(month))) return false;
  *days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return true;
}

// HH:MM[:SS[.f{1,9}]] → µs since midnight (fraction rounded half up; may reach 24:00).
bool read_time(TextCursor& cursor, int64_t* micros) {
  int64_t hour = 0, minute = 0, second = 0, fraction = 0;
  if (!cursor.digits(2, &hour) || !cursor.consume(':') || !cursor.digits(2, &minute)) return false;
  if (cursor.consume(':')) {
    if (!cursor.digits(2, &second)) return false;
    if (cursor.consume('.')) {
      size_t count = 0;
      if (!cursor.digit_run(1, 9, &fraction, &count)) return false;
      for (; count < 9; ++count) fraction *= 10;  // nanoseconds
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  *micros =
      ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + fraction / 1000 + (fraction % 1000 >= 500);
  return true;
}

// Z | z | ±HH | ±HHMM | ±HH:MM → offset east of UTC in µs.
bool read_zone(TextCursor& cursor, int64_t* offset_micros) {
  if (cursor.consume('Z') || cursor.consume('z')) {
    *offset_micros = 0;
    return true;
  }
  const char sign = cursor.peek();
  if (sign != '+' && sign != '-') return false;
  cursor.consume(sign);
  int64_t hours = 0, minutes = 0;
  if (!cursor.digits(2, &hours)) return false;
  if (!cursor.done()) {
    cursor.consume(':');
    if (!cursor.digits(2, &minutes)) return false;
  }
  if (hours > 23 || minutes > 59) return false;
  *offset_micros = (sign == '-' ? -1 : 1) * (hours * 60 + minutes) * 60 * kMicrosPerSecond;
  return true;
}

Status invalid_temporal(std::string_view argument, std::string_view text) {
  std::string shown = shown_value(Value(std::string(text)));
  return Status(ErrorCode::kInvalidArgument, "invalid " + std::string(argument) + " '" + shown + "'")
      .with_detail("argument", std::string(argument));
}

Result<Value> coerce_timestamp(const Value& input, const ColumnDef& column) {
  if (const int64_t* integer = std::get_if<int64_t>(&input)) return Value(*integer);
  const std::string* text = std::get_if<std::string>(&input);
  if (text == nullptr) return mismatch(input, column, "not a timestamp");
  Result<int64_t> micros = parse_timestamp_micros(*text);
  if (!micros.is_ok()) return mismatch(input, column, "not an ISO-8601 timestamp");
  return Value(*micros);
}

Result<Value> coerce_date(const Value& input, const ColumnDef& column) {
  int64_t days = 0;
  if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    days = *integer;
  } else if (const std::string* text = std::get_if<std::string>(&input)) {
    Result<int64_t> parsed = parse_date_days(*text);
    if (!parsed.is_ok()) return mismatch(input, column, "not a date (YYYY-MM-DD)");
    days = *parsed;
  } else {
    return mismatch(input, column, "not a date");
  }
  if (days > kMaxDateDays || days < -kMaxDateDays) return mismatch(input, column, "out of range");
  return Value(days);
}

Result<Value> coerce_time(const Value& input, const ColumnDef& column) {
  int64_t micros = 0;
  if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    micros = *integer;
  } else if (const std::string* text = std::get_if<std::string>(&input)) {
    Result<int64_t> parsed = parse_time_micros(*text);
    if (!parsed.is_ok()) return mismatch(input, column, "not a time (HH:MM:SS[.ffffff])");
    micros = *parsed;
  } else {
    return mismatch(input, column, "not a time");
  }
  if (micros < 0 || micros >= kMicrosPerDay) return mismatch(input, column, "out of range");
  return Value(micros);
}

Result<Value> coerce_boolean(const Value& input, const ColumnDef& column) {
  if (const bool* flag = std::get_if<bool>(&input)) return Value(*flag);
  if (const int64_t* integer = std::get_if<int64_t>(&input)) {
    if (*integer == 0 || *integer == 1) return Value(*integer == 1);
    return mismatch(input, column, "not a boolean");
  }
  if (const std::string* text = std::get_if<std::string>(&input)) {
    if (iequals(*text, "true") || iequals(*text, "t") || *text == "1") return Value(true);
    if (iequals(*text, "false") || iequals(*text, "f") || *text == "0") return Value(false);
  }
  return mismatch(input, column, "not a boolean");
}

}  // namespace

// Proleptic Gregorian (y, m, d) → days since 1970-01-01 (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// Days since 1970-01-01 → date; 128-bit arithmetic so that every int64 works.
CivilDate civil_from_days(int64_t day_count) {
  const Int128 days = static_cast<Int128>(day_count) + 719468;
  const Int128 era = (days >= 0 ? days : days - 146096) / 146097;
  const Int128 day_of_era = days - era * 146097;
  const Int128 year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const Int128 day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const Int128 month_index = (5 * day_of_year + 2) / 153;
  const auto day = static_cast<unsigned>(day_of_year - (153 * month_index + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(month_index < 10 ? month_index + 3 : month_index - 9);
  const auto year = static_cast<int64_t>(year_of_era + era * 400 + (month <= 2 ? 1 : 0));
  return CivilDate{year, month, day};
}

bool is_leap_year(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

std::string value_text(const Value& value) {
  if (is_null(value)) return "NULL";
  if (const auto* boolean = std::get_if<bool>(&value)) return *boolean ? "true" : "false";
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* real = std::get_if<double>(&value)) return format_double(*real);
  return std::get<std::string>(value);
}

std::string format_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buffer, end);
}

Result<Value> coerce_value(const Value& input, const ColumnDef& column) {
  if (is_null(input)) return Value();
  switch (column.type) {
    case DataType::kBoolean:
      return coerce_boolean(input, column);
    case DataType::kSmallInt:
    case DataType::kInt:
    case DataType::kBigInt:
      return coerce_integer(input, column);
    case DataType::kFloat:
    case DataType::kDouble:
      return coerce_real(input, column);
    case DataType::kDecimal:
      return coerce_decimal(input, column);
    case DataType::kText:
      return coerce_text(input, column);
    case DataType::kBytes:
      if (std::holds_alternative<std::string>(input)) return input;
      return mismatch(input, column, "not a byte string");
    case DataType::kJson:
      return coerce_json(input, column);
    case DataType::kTimestamp:
      return coerce_timestamp(input, column);
    case DataType::kDate:
      return coerce_date(input, column);
    case DataType::kTime:
      return coerce_time(input, column);
    case DataType::kUuid:
      return coerce_uuid(input, column);
    case DataType::kAny:
      return input;
  }
  return mismatch(input, column, "unknown column type");
}

Value to_sql_value(const Value& stored, DataType type) {
  const int64_t* number = std::get_if<int64_t>(&stored);
  if (number == nullptr) return stored;  // NULL, or a value already in its SQL form
  switch (type) {
    case DataType::kTimestamp:  // int64 µs since the epoch → ISO-8601 text
      return Value(format_timestamp_micros(*number));
    case DataType::kDate:  // int64 days since the epoch → 'YYYY-MM-DD'
      return Value(format_date_days(*number));
    case DataType::kTime:  // int64 µs since midnight → 'HH:MM:SS.ffffff'
      return Value(format_time_micros(*number));
    default:  // every other stored form is its SQL form
      return stored;
  }
}

Value to_sql_value(const Value& stored, const ColumnDef& column) { return to_sql_value(stored, column.type); }

std::string format_date_days(int64_t days) {
  const CivilDate date = civil_from_days(days);
  char buffer[48];
  const int length =
      std::snprintf(buffer, sizeof(buffer), "%s%04" PRId64 "-%02u-%02u", date.year < 0 ? "-" : "",
                    date.year < 0 ? -date.year : date.year, date.month, date.day);
  return std::string(buffer, length > 0 ? static_cast<size_t>(length) : 0);
}

std::string format_time_micros(int64_t micros) {
  micros %= kMicrosPerDay;
  if (micros < 0) micros += kMicrosPerDay;
  const int64_t seconds = micros / kMicrosPerSecond;
  char buffer[32];
  const int length = std::snprintf(buffer, sizeof(buffer), "%02d:%02d:%02d.%06" PRId64,
                                   static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                                   static_cast<int>(seconds % 60), micros % kMicrosPerSecond);
  return std::string(buffer, length > 0 ? static_cast<size_t>(length) : 0);
}

Result<int64_t> parse_timestamp_micros(std::string_view text) {
  TextCursor cursor(text);
  int64_t days = 0;
  if (!read_date(cursor, &days)) return invalid_temporal("timestamp", text);
  int64_t time_micros = 0, offset_micros = 0;
  if (!cursor.done()) {
    if (!(cursor.consume('T') || cursor.consume('t') || cursor.consume(' '))) {
      return invalid_temporal("timestamp", text);
    }
    if (!read_time(cursor, &time_micros)) return invalid_temporal("timestamp", text);
    if (!cursor.done()) {
      cursor.consume(' ');
      if (!read_zone(cursor, &offset_micros) || !cursor.done()) return invalid_temporal("timestamp", text);
    }
  }
  const Int128 total = static_cast<Int128>(days) * kMicrosPerDay + time_micros - offset_micros;
  if (total > std::numeric_limits<int64_t>::max() || total < std::numeric_limits<int64_t>::min()) {
    return invalid_temporal("timestamp", text);
  }
  return static_cast<int64_t>(total);
}

Result<int64_t> parse_date_days(std::string_view text) {
  TextCursor cursor(text);
  int64_t days = 0;
  if (!read_date(cursor, &days) || !cursor.done()) return invalid_temporal("date", text);
  return days;
}

Result<int64_t> parse_time_micros(std::string_view text) {
  TextCursor cursor(text);
  int64_t micros = 0;
  if (!read_time(cursor, &micros) || !cursor.done() || micros >= kMicrosPerDay) {
    return invalid_temporal("time", text);
  }
  return micros;
}

bool is_number_text(std::string_view text) {
  size_t pos = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
  size_t int_digits = 0, frac_digits = 0;
  while (pos < text.size() && is_digit(text[pos])) ++pos, ++int_digits;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    size_t exp_digits = 0;
    while (pos < text.size() && is_digit(text[pos])) ++pos, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return pos == text.size();
}

}  // namespace kalam

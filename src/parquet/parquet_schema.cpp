// Type mapping and value conversions between KalamDB and Parquet (see parquet_schema.h).
#include "parquet/parquet_schema.h"

namespace kalam::parquet {
namespace {

Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Compression> parse_compression(std::string_view name) {
  if (name == "snappy") return Compression::kSnappy;
  if (name == "zstd") return Compression::kZstd;
  if (name == "none") return Compression::kNone;
  return std::nullopt;
}

Codec codec_of(Compression compression) {
  switch (compression) {
    case Compression::kSnappy:
      return Codec::kSnappy;
    case Compression::kZstd:
      return Codec::kZstd;
    case Compression::kNone:
      break;
  }
  return Codec::kUncompressed;
}

SchemaElement schema_element_for(const ColumnSpec& column) {
  using Kind = LogicalType::Kind;
  SchemaElement element;
  element.name = column.name;
  element.repetition = column.nullable ? Repetition::kOptional : Repetition::kRequired;
  element.field_id = column.field_id;
  switch (column.type) {
    case DataType::kBoolean:
      element.type = PhysicalType::kBoolean;
      break;
    case DataType::kSmallInt:
      element.type = PhysicalType::kInt32;
      element.logical.kind = Kind::kInteger;
      element.logical.bit_width = 16;
      element.converted_type = ConvertedType::kInt16;
      break;
    case DataType::kInt:
      element.type = PhysicalType::kInt32;
      break;
    case DataType::kBigInt:
      element.type = PhysicalType::kInt64;
      break;
    case DataType::kFloat:
    case DataType::kDouble:
      element.type = PhysicalType::kDouble;
      break;
    case DataType::kDecimal:
      if (column.precision <= 9) {
        element.type = PhysicalType::kInt32;
      } else if (column.precision <= 18) {
        element.type = PhysicalType::kInt64;
      } else {
        element.type = PhysicalType::kFixedLenByteArray;
        element.type_length = 16;
      }
      element.logical.kind = Kind::kDecimal;
      element.logical.precision = column.precision;
      element.logical.scale = column.scale;
      element.precision = column.precision;
      element.scale = column.scale;
      element.converted_type = ConvertedType::kDecimal;
      break;
    case DataType::kText:
    case DataType::kAny:
      element.type = PhysicalType::kByteArray;
      element.logical.kind = Kind::kString;
      element.converted_type = ConvertedType::kUtf8;
      break;
    case DataType::kJson:
      element.type = PhysicalType::kByteArray;
      element.logical.kind = Kind::kJson;
      element.converted_type = ConvertedType::kJson;
      break;
    case DataType::kBytes:
      element.type = PhysicalType::kByteArray;
      break;
    case DataType::kTimestamp:
      element.type = PhysicalType::kInt64;
      element.logical.kind = Kind::kTimestamp;
      element.logical.adjusted_to_utc = true;
      element.logical.unit = TimeUnit::kMicros;
      element.converted_type = ConvertedType::kTimestampMicros;
      break;
    case DataType::kDate:
      element.type = PhysicalType::kInt32;
      element.logical.kind = Kind::kDate;
      element.converted_type = ConvertedType::kDate;
      break;
    case DataType::kTime:
      // A wall-clock time of day: not adjusted to UTC, so no TIME_MICROS converted type
      // (which would claim it is).
      element.type = PhysicalType::kInt64;
      element.logical.kind = Kind::kTime;
      element.logical.adjusted_to_utc = false;
      element.logical.unit = TimeUnit::kMicros;
      break;
    case DataType::kUuid:
      element.type = PhysicalType::kFixedLenByteArray;
      element.type_length = 16;
      element.logical.kind = Kind::kUuid;
      break;
  }
  return element;
}

Result<ColumnSpec> column_spec_from(const SchemaElement& element) {
  using Kind = LogicalType::Kind;
  if (!element.type || element.num_children > 0)
    return Status(ErrorCode::kNotImplemented, "nested Parquet columns");
  if (element.repetition == Repetition::kRepeated)
    return Status(ErrorCode::kNotImplemented, "repeated Parquet columns");
  ColumnSpec column;
  column.name = element.name;
  column.nullable = element.repetition != Repetition::kRequired;
  column.field_id = element.field_id;
  const LogicalType& logical = element.logical;
  const bool decimal = logical.kind == Kind::kDecimal || element.converted_type == ConvertedType::kDecimal;
  if (decimal) {
    column.type = DataType::kDecimal;
    column.precision = logical.kind == Kind::kDecimal ? logical.precision : element.precision;
    column.scale = logical.kind == Kind::kDecimal ? logical.scale : element.scale;
    if (column.precision < 1 || column.precision > 38 || column.scale < 0 ||
        column.scale > column.precision) {
      return Status(ErrorCode::kNotImplemented, "DECIMAL precision outside 1..38");
    }
    if (*element.type == PhysicalType::kFixedLenByteArray &&
        (element.type_length < 1 || element.type_length > 16)) {
      return Status(ErrorCode::kNotImplemented, "DECIMAL wider than 16 bytes");
    }
    if (*element.type != PhysicalType::kInt32 && *element.type != PhysicalType::kInt64 &&
        *element.type != PhysicalType::kFixedLenByteArray) {
      return Status(ErrorCode::kNotImplemented, "DECIMAL stored as BYTE_ARRAY");
    }
    return column;
  }
  switch (*element.type) {
    case PhysicalType::kBoolean:
      column.type = DataType::kBoolean;
      return column;
    case PhysicalType::kInt32:
      if (logical.kind == Kind::kDate || element.converted_type == ConvertedType::kDate) {
        column.type = DataType::kDate;
      } else if (logical.kind == Kind::kInteger && !logical.is_signed) {
        return Status(ErrorCode::kNotImplemented, "unsigned Parquet integers");
      } else if ((logical.kind == Kind::kInteger && logical.bit_width <= 16) ||
                 element.converted_type == ConvertedType::kInt16) {
        column.type = DataType::kSmallInt;
      } else if (logical.kind == Kind::kNone || logical.kind == Kind::kInteger) {
        column.type = DataType::kInt;
      } else {
        return Status(ErrorCode::kNotImplemented, "INT32 with this logical type");
      }
      return column;
    case PhysicalType::kInt64:
      if (logical.kind == Kind::kTimestamp || element.converted_type == ConvertedType::kTimestampMicros) {
        column.type = DataType::kTimestamp;
      } else if (logical.kind == Kind::kTime || element.converted_type == ConvertedType::kTimeMicros) {
        column.type = DataType::kTime;
      } else if (logical.kind == Kind::kInteger && !logical.is_signed) {
        return Status(ErrorCode::kNotImplemented, "unsigned Parquet integers");
      } else if (logical.kind == Kind::kNone || logical.kind == Kind::kInteger) {
        column.type = DataType::kBigInt;
      } else {
        return Status(ErrorCode::kNotImplemented, "INT64 with this logical type");
      }
      return column;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      column.type = DataType::kDouble;
      return column;
    case PhysicalType::kByteArray:
      if (logical.kind == Kind::kJson || element.converted_type == ConvertedType::kJson) {
        column.type = DataType::kJson;
      } else if (logical.kind == Kind::kString || element.converted_type == ConvertedType::kUtf8) {
        column.type = DataType::kText;
      } else {
        column.type = DataType::kBytes;
      }
      return column;
    case PhysicalType::kFixedLenByteArray:
      if (element.type_length < 1)
        return Status(ErrorCode::kNotImplemented, "FIXED_LEN_BYTE_ARRAY without a length");
      column.type =
          logical.kind == Kind::kUuid && element.type_length == 16 ? DataType::kUuid : DataType::kBytes;
      return column;
    case PhysicalType::kInt96:
      break;
  }
  return Status(ErrorCode::kNotImplemented, "INT96 Parquet columns");
}

Result<__int128> decimal_to_unscaled(std::string_view text, int32_t scale) {
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  __int128 unscaled = 0;
  int digits = 0;
  int fraction_digits = 0;
  bool seen_point = false;
  bool any_digit = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return invalid("not a DECIMAL value: " + std::string(text.substr(0, 64)));
    any_digit = true;
    if (seen_point && ++fraction_digits > scale)
      return invalid("DECIMAL value has more than " + std::to_string(scale) + " fractional digits");
    if (unscaled != 0 || c != '0') ++digits;
    if (digits > 38) return invalid("DECIMAL value has more than 38 digits");
    unscaled = unscaled * 10 + (c - '0');
  }
  if (!any_digit) return invalid("not a DECIMAL value: " + std::string(text.substr(0, 64)));
  for (; fraction_digits < scale; ++fraction_digits) {
    if (unscaled != 0 && ++digits > 38) return invalid("DECIMAL value has more than 38 digits");
    unscaled *= 10;
  }
  return negative ? -unscaled : unscaled;
}

std::string decimal_from_unscaled(__int128 unscaled, int32_t scale) {
  const bool negative = unscaled < 0;
  // |INT128_MIN| does not fit: work on the unsigned magnitude.
  unsigned __int128 magnitude =
      negative ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(unscaled)
               : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  while (magnitude != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  if (digits.size() <= static_cast<size_t>(scale))
    digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  std::string out;
  if (negative) out += '-';
  out.append(digits, 0, digits.size() - scale);
  if (scale > 0) {
    out += '.';
    out.append(digits, digits.size() - scale, std::string::npos);
  }
  return out;
}

Result<std::string> uuid_to_bytes(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
    return invalid("not a UUID: " + std::string(text.substr(0, 64)));
  }
  std::string bytes;
  bytes.reserve(16);
  int high = -1;
  for (size_t idx = 0; idx < text.size(); ++idx) {
    if (idx == 8 || idx == 13 || idx == 18 || idx == 23) continue;
    const int nibble = hex_digit(text[idx]);
    if (nibble < 0) return invalid("not a UUID: " + std::string(text));
    if (high < 0) {
      high = nibble;
    } else {
      bytes += static_cast<char>((high << 4) | nibble);
      high = -1;
    }
  }
  return bytes;
}

std::string uuid_from_bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (size_t idx = 0; idx < 16; ++idx) {
    if (idx == 4 || idx == 6 || idx == 8 || idx == 10) text += '-';
    const auto byte = static_cast<uint8_t>(bytes[idx]);
    text += kHex[byte >> 4];
    text += kHex[byte & 0x0F];
  }
  return text;
}

}  // namespace kalam::parquet

// Memcomparable key encoding: tag bytes, sign-flipped integers and doubles, and
// zero-escaped strings whose byte order equals SQL order.
#include "storage/key_encoding.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <utility>

namespace kalam {

namespace {

// Persistent tag values; their order is the cross-type sort order. Never renumber.
constexpr uint8_t kTagNull = 0x05;
constexpr uint8_t kTagFalse = 0x10;
constexpr uint8_t kTagTrue = 0x11;
constexpr uint8_t kTagInt64 = 0x20;
constexpr uint8_t kTagDouble = 0x30;
constexpr uint8_t kTagString = 0x40;
constexpr uint8_t kTagBytes = 0x50;

// Inside an escaped value: 0x00 0xFF is a literal zero byte, 0x00 0x01 ends the value.
constexpr uint8_t kEscapeByte = 0x00;
constexpr uint8_t kEscapedZero = 0xFF;
constexpr uint8_t kTerminator = 0x01;

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr uint64_t kCanonicalNan = 0x7FF8000000000000ULL;

void put_big_endian(std::string& out, uint64_t value, size_t width) {
  for (size_t byte_idx = 0; byte_idx < width; ++byte_idx) {
    out.push_back(static_cast<char>(value >> (8 * (width - 1 - byte_idx))));
  }
}

uint64_t encode_double_bits(double value) {
  uint64_t bits = 0;
  if (std::isnan(value)) {
    bits = kCanonicalNan;  // one positive NaN: sorts after +inf
  } else if (value != 0.0) {
    bits = std::bit_cast<uint64_t>(value);
  }  // else +0.0 and -0.0 both encode as +0.0
  // Negative numbers: flip everything (larger magnitude sorts first); positive: flip sign.
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}

double decode_double_bits(uint64_t encoded) {
  const uint64_t bits = (encoded & kSignBit) ? (encoded ^ kSignBit) : ~encoded;
  return std::bit_cast<double>(bits);
}

std::string_view key_type_name(uint8_t tag) {
  switch (tag) {
    case kTagNull:
      return "NULL";
    case kTagFalse:
    case kTagTrue:
      return "bool";
    case kTagInt64:
      return "int64";
    case kTagDouble:
      return "double";
    case kTagString:
      return "string";
    case kTagBytes:
      return "bytes";
    default:
      return "unknown";
  }
}

}  // namespace

// ---- KeyEncoder ----

void KeyEncoder::append_null() { data_.push_back(static_cast<char>(kTagNull)); }

void KeyEncoder::append_bool(bool value) { data_.push_back(static_cast<char>(value ? kTagTrue : kTagFalse)); }

void KeyEncoder::append_int64(int64_t value) {
  data_.push_back(static_cast<char>(kTagInt64));
  put_big_endian(data_, static_cast<uint64_t>(value) ^ kSignBit, 8);
}

void KeyEncoder::append_double(double value) {
  data_.push_back(static_cast<char>(kTagDouble));
  put_big_endian(data_, encode_double_bits(value), 8);
}

void KeyEncoder::append_string(std::string_view value) { append_escaped(kTagString, value); }

void KeyEncoder::append_bytes(std::string_view value) { append_escaped(kTagBytes, value); }

void KeyEncoder::append_raw(std::string_view bytes) { data_.append(bytes); }

void KeyEncoder::append_u32(uint32_t value) { put_big_endian(data_, value, 4); }

void KeyEncoder::append_u64(uint64_t value) { put_big_endian(data_, value, 8); }

std::string KeyEncoder::release() {
  std::string out = std::move(data_);
  data_.clear();
  return out;
}

void KeyEncoder::append_escaped(uint8_t tag, std::string_view value) {
  data_.reserve(data_.size() + value.size() + 3);
  data_.push_back(static_cast<char>(tag));
  size_t start = 0;
  while (start < value.size()) {
    const void* zero = std::memchr(value.data() + start, 0, value.size() - start);
    if (zero == nullptr) {
      data_.append(value.substr(start));
      break;
    }
    const size_t zero_idx = static_cast<size_t>(static_cast<const char*>(zero) - value.data());
    data_.append(value.substr(start, zero_idx - start));
    data_.push_back(static_cast<char>(kEscapeByte));
    data_.push_back(static_cast<char>(kEscapedZero));
    start = zero_idx + 1;
  }
  data_.push_back(static_cast<char>(kEscapeByte));
  data_.push_back(static_cast<char>(kTerminator));
}

// ---- KeyDecoder ----

Status KeyDecoder::malformed(std::string_view what, size_t at) const {
  return Status(ErrorCode::kInternalStorageError, "malformed key: " + std::string(what) + " at byte " +
                                                      std::to_string(at) + " of " +
                                                      std::to_string(data_.size()));
}

Result<KeyType> KeyDecoder::peek_type() const {
  if (done()) return malformed("expected a value, found end of key", position_);
  switch (static_cast<uint8_t>(data_[position_])) {
    case kTagNull:
      return KeyType::kNull;
    case kTagFalse:
    case kTagTrue:
      return KeyType::kBool;
    case kTagInt64:
      return KeyType::kInt64;
    case kTagDouble:
      return KeyType::kDouble;
    case kTagString:
      return KeyType::kString;
    case kTagBytes:
      return KeyType::kBytes;
    default:
      return malformed("unknown type tag", position_);
  }
}

Result<uint8_t> KeyDecoder::read_tag(uint8_t expected_tag, std::string_view type_name) {
  if (done()) return malformed("expected " + std::string(type_name) + ", found end of key", position_);
  const uint8_t tag = static_cast<uint8_t>(data_[position_]);
  const bool matches =
      expected_tag == kTagFalse ? (tag == kTagFalse || tag == kTagTrue) : tag == expected_tag;
  if (!matches) {
    return malformed("expected " + std::string(type_name) + ", found " + std::string(key_type_name(tag)),
                     position_);
  }
  return tag;
}

Result<uint64_t> KeyDecoder::read_big_endian(size_t width, size_t at) const {
  if (data_.size() - at < width) return malformed("truncated " + std::to_string(width) + "-byte value", at);
  uint64_t value = 0;
  for (size_t byte_idx = 0; byte_idx < width; ++byte_idx) {
    value = (value << 8) | static_cast<uint8_t>(data_[at + byte_idx]);
  }
  return value;
}

Result<std::string> KeyDecoder::read_escaped(size_t at, size_t* end) const {
  std::string out;
  size_t cursor = at;
  for (;;) {
    const void* zero = std::memchr(data_.data() + cursor, 0, data_.size() - cursor);
    if (zero == nullptr) return malformed("unterminated string", at);
    const size_t zero_idx = static_cast<size_t>(static_cast<const char*>(zero) - data_.data());
    out.append(data_.substr(cursor, zero_idx - cursor));
    if (zero_idx + 1 >= data_.size()) return malformed("unterminated string", at);
    const uint8_t marker = static_cast<uint8_t>(data_[zero_idx + 1]);
    if (marker == kTerminator) {
      *end = zero_idx + 2;
      return out;
    }
    if (marker != kEscapedZero) return malformed("invalid escape in string", zero_idx);
    out.push_back('\0');
    cursor = zero_idx + 2;
  }
}

Status KeyDecoder::read_null() {
  KALAM_ASSIGN_OR_RETURN([[maybe_unused]] uint8_t tag, read_tag(kTagNull, "NULL"));
  position_ += 1;
  return Status::ok();
}

Result<bool> KeyDecoder::read_bool() {
  KALAM_ASSIGN_OR_RETURN(uint8_t tag, read_tag(kTagFalse, "bool"));
  position_ += 1;
  return tag == kTagTrue;
}

Result<int64_t> KeyDecoder::read_int64() {
  KALAM_ASSIGN_OR_RETURN([[maybe_unused]] uint8_t tag, read_tag(kTagInt64, "int64"));
  KALAM_ASSIGN_OR_RETURN(uint64_t encoded, read_big_endian(8, position_ + 1));
  position_ += 9;
  return static_cast<int64_t>(encoded ^ kSignBit);
}

Result<double> KeyDecoder::read_double() {
  KALAM_ASSIGN_OR_RETURN([[maybe_unused]] uint8_t tag, read_tag(kTagDouble, "double"));
  KALAM_ASSIGN_OR_RETURN(uint64_t encoded, read_big_endian(8, position_ + 1));
  position_ += 9;
  return decode_double_bits(encoded);
}

Result<std::string> KeyDecoder::read_string() {
  KALAM_ASSIGN_OR_RETURN([[maybe_unused]] uint8_t tag, read_tag(kTagString, "string"));
  size_t end = 0;
  KALAM_ASSIGN_OR_RETURN(std::string value, read_escaped(position_ + 1, &end));
  position_ = end;
  return value;
}

Result<std::string> KeyDecoder::read_bytes() {
  KALAM_ASSIGN_OR_RETURN([[maybe_unused]] uint8_t tag, read_tag(kTagBytes, "bytes"));
  size_t end = 0;
  KALAM_ASSIGN_OR_RETURN(std::string value, read_escaped(position_ + 1, &end));
  position_ = end;
  return value;
}

Result<uint32_t> KeyDecoder::read_u32() {
  KALAM_ASSIGN_OR_RETURN(uint64_t value, read_big_endian(4, position_));
  position_ += 4;
  return static_cast<uint32_t>(value);
}

Result<uint64_t> KeyDecoder::read_u64() {
  KALAM_ASSIGN_OR_RETURN(uint64_t value, read_big_endian(8, position_));
  position_ += 8;
  return value;
}

Result<std::string_view> KeyDecoder::read_raw(size_t length) {
  if (data_.size() - position_ < length) {
    return malformed("truncated raw part of " + std::to_string(length) + " bytes", position_);
  }
  std::string_view out = data_.substr(position_, length);
  position_ += length;
  return out;
}

Status KeyDecoder::skip_value() {
  KALAM_ASSIGN_OR_RETURN(KeyType type, peek_type());
  switch (type) {
    case KeyType::kNull:
      return read_null();
    case KeyType::kBool: {
      KALAM_ASSIGN_OR_RETURN([[maybe_unused]] bool value, read_bool());
      return Status::ok();
    }
    case KeyType::kInt64:
    case KeyType::kDouble: {
      KALAM_ASSIGN_OR_RETURN([[maybe_unused]] uint64_t payload, read_big_endian(8, position_ + 1));
      position_ += 9;
      return Status::ok();
    }
    case KeyType::kString:
    case KeyType::kBytes: {
      size_t end = 0;
      KALAM_ASSIGN_OR_RETURN([[maybe_unused]] std::string value, read_escaped(position_ + 1, &end));
      position_ = end;
      return Status::ok();
    }
  }
  return malformed("unknown type tag", position_);
}

std::string prefix_successor(std::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty() && static_cast<uint8_t>(successor.back()) == 0xFF) successor.pop_back();
  if (successor.empty()) return successor;  // every key >= prefix starts with it: unbounded
  successor.back() = static_cast<char>(static_cast<uint8_t>(successor.back()) + 1);
  return successor;
}

}  // namespace kalam

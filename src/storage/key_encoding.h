// Order-preserving (memcomparable) key encoding: byte-wise comparison of encoded keys
// equals SQL order of the encoded value tuples (spec/storage.md § Hot tier).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kalam {

// The kind of one tagged value in an encoded key.
enum class KeyType : uint8_t { kNull, kBool, kInt64, kDouble, kString, kBytes };

// Builds an encoded key by appending values left to right (a composite key is the
// concatenation of its parts). Tagged values (append_null .. append_bytes) start with one
// type tag byte, so NULL < bool < int64 < double < string < bytes for values at the same
// position (SQLite's NULL < numbers < text < blob; a column holds one type, so int64 and
// double are NOT compared numerically with each other). Within a type:
//   - int64: numeric order (INT64_MIN first);
//   - double: numeric order, -inf first, -0.0 encoded as 0.0, every NaN encoded as one NaN
//     that sorts after +inf;
//   - string/bytes: unsigned byte-wise order, shorter prefix first ("a" < "a\0" < "a\0b" <
//     "ab"); 0x00 is escaped as 0x00 0xFF and the value ends with 0x00 0x01, so no encoded
//     value is a prefix of a different one and tuples compare component by component.
// Untagged fixed-width parts (append_u32/append_u64, big-endian) and append_raw are for
// ids and prefixes whose width is known to the reader (table_id, scope, _seq).
// The format is persistent: never change tag values or layouts.
class KeyEncoder {
 public:
  KeyEncoder() = default;

  void append_null();
  void append_bool(bool value);
  void append_int64(int64_t value);
  void append_double(double value);
  // Text (UTF-8 is not checked) and BLOB values; they sort in separate type ranges.
  void append_string(std::string_view value);
  void append_bytes(std::string_view value);
  // Appends bytes as they are: no tag, no escaping, no terminator. The reader must know
  // the length (e.g. an already-encoded key prefix).
  void append_raw(std::string_view bytes);
  // Fixed-width big-endian unsigned integers without a tag; they sort numerically.
  void append_u32(uint32_t value);
  void append_u64(uint64_t value);

  const std::string& data() const { return data_; }
  size_t size() const { return data_.size(); }
  // Moves the encoded key out; the encoder is empty afterwards.
  std::string release();
  void clear() { data_.clear(); }

 private:
  void append_escaped(uint8_t tag, std::string_view value);

  std::string data_;
};

// Reads values written by KeyEncoder, in the same order and with the same calls
// (read_int64 for append_int64, read_u64 for append_u64, ...). Does not own `data`.
// Every read checks the input: a truncated key, an unknown tag, a bad escape or a value of
// another type returns kInternalStorageError (keys come from storage, so malformed input
// means corruption or a caller bug) and leaves the read position unchanged.
class KeyDecoder {
 public:
  explicit KeyDecoder(std::string_view data) : data_(data) {}
  // The decoder keeps a view: decoding a temporary string would read freed memory.
  explicit KeyDecoder(std::string&& data) = delete;

  // True when every byte has been consumed.
  bool done() const { return position_ == data_.size(); }
  size_t position() const { return position_; }
  std::string_view remaining() const { return data_.substr(position_); }

  // Type of the next tagged value, without consuming it.
  Result<KeyType> peek_type() const;

  Status read_null();
  Result<bool> read_bool();
  Result<int64_t> read_int64();
  Result<double> read_double();
  Result<std::string> read_string();
  Result<std::string> read_bytes();
  Result<uint32_t> read_u32();
  Result<uint64_t> read_u64();
  // The next `length` bytes as they are (view into the input).
  Result<std::string_view> read_raw(size_t length);
  // Skips one tagged value of any type.
  Status skip_value();

 private:
  Result<uint8_t> read_tag(uint8_t expected_tag, std::string_view type_name);
  Result<uint64_t> read_big_endian(size_t width, size_t at) const;
  // Decodes an escaped string whose first byte is at `at`; sets *end past its terminator.
  Result<std::string> read_escaped(size_t at, size_t* end) const;
  Status malformed(std::string_view what, size_t at) const;

  std::string_view data_;
  size_t position_ = 0;
};

// The smallest key that is greater than every key starting with `prefix`: the exclusive
// upper bound of a prefix scan. Returns "" when no such key exists (prefix empty or all
// 0xFF bytes), which StorageEngine::scan_range reads as "no upper bound".
std::string prefix_successor(std::string_view prefix);

}  // namespace kalam

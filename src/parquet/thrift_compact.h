// The Thrift compact protocol, as far as Parquet's file metadata and page headers need it:
// a writer of structs, lists and scalars, and a bounds-checked reader that skips unknown fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam::parquet {

// Compact-protocol type ids.
enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Appends compact-protocol bytes to a string. Field ids within a struct must ascend
// (the delta encoding assumes it); nested structs keep their own last-field-id.
class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void field_bool(int16_t id, bool value);
  void field_byte(int16_t id, int8_t value);
  void field_i32(int16_t id, int32_t value);
  void field_i64(int16_t id, int64_t value);
  void field_binary(int16_t id, std::string_view value);
  // Opens a struct-typed field; close it with end_struct().
  void begin_struct_field(int16_t id);
  // Opens a list-typed field of `size` elements of `element_type`; list elements follow.
  void begin_list_field(int16_t id, ThriftType element_type, size_t size);
  // A struct element of a list; close it with end_struct().
  void begin_list_struct();
  void list_i32(int32_t value);
  void list_binary(std::string_view value);
  // Writes the stop byte of the innermost open struct.
  void end_struct();
  // Writes the stop byte of the top-level struct.
  void end_message() { end_struct(); }

 private:
  void field_header(int16_t id, ThriftType type);

  std::string* out_;
  std::vector<int16_t> last_ids_{0};
};

// Reads compact-protocol bytes. Every read checks bounds; malformed input (truncation,
// overlong varints, nesting deeper than 64, negative or absurd sizes) gives
// kInternalStorageError and never reads out of bounds.
class ThriftReader {
 public:
  explicit ThriftReader(std::string_view data) : data_(data) {}

  size_t position() const { return pos_; }

  // The next field header of the current struct: *type == kStop at the end.
  Status next_field(int16_t* id, ThriftType* type);
  Status read_bool(ThriftType field_type, bool* value);  // for a field: the type carries it
  Status read_i32(int32_t* value);
  Status read_i64(int64_t* value);
  Status read_i16(int16_t* value);
  Status read_byte(int8_t* value);
  Status read_binary(std::string_view* value);
  Status read_binary(std::string* value);
  Status read_list_header(ThriftType* element_type, uint32_t* size);
  // Enters a struct (a field or list element of struct type): call before its fields.
  Status begin_struct();
  // Leaves it (after next_field returned kStop).
  void end_struct();
  // Skips a value of `type` (recursively, bounded depth).
  Status skip(ThriftType type);

 private:
  Status skip_value(ThriftType type);
  Status read_varint(uint64_t* value);
  Status corrupt(std::string_view what) const;

  std::string_view data_;
  size_t pos_ = 0;
  std::vector<int16_t> last_ids_{0};
  size_t skip_depth_ = 0;
};

}  // namespace kalam::parquet

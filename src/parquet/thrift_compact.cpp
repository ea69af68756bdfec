// Thrift compact protocol writer and reader (see thrift_compact.h).
#include "parquet/thrift_compact.h"

#include <cstring>

#include "common/varint.h"

namespace kalam::parquet {
namespace {

constexpr size_t kMaxNesting = 64;
constexpr size_t kMaxVarintBytes = 10;

}  // namespace

void ThriftWriter::field_header(int16_t id, ThriftType type) {
  int16_t& last = last_ids_.back();
  const int delta = id - last;
  if (delta > 0 && delta <= 15) {
    *out_ += static_cast<char>((delta << 4) | static_cast<uint8_t>(type));
  } else {
    *out_ += static_cast<char>(type);
    put_varint(*out_, zigzag_encode(id));
  }
  last = id;
}

void ThriftWriter::field_bool(int16_t id, bool value) {
  field_header(id, value ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void ThriftWriter::field_byte(int16_t id, int8_t value) {
  field_header(id, ThriftType::kByte);
  *out_ += static_cast<char>(value);
}

void ThriftWriter::field_i32(int16_t id, int32_t value) {
  field_header(id, ThriftType::kI32);
  put_varint(*out_, zigzag_encode(value));
}

void ThriftWriter::field_i64(int16_t id, int64_t value) {
  field_header(id, ThriftType::kI64);
  put_varint(*out_, zigzag_encode(value));
}

void ThriftWriter::field_binary(int16_t id, std::string_view value) {
  field_header(id, ThriftType::kBinary);
  list_binary(value);
}

void ThriftWriter::begin_struct_field(int16_t id) {
  field_header(id, ThriftType::kStruct);
  last_ids_.push_back(0);
}

void ThriftWriter::begin_list_field(int16_t id, ThriftType element_type, size_t size) {
  field_header(id, ThriftType::kList);
  if (size < 15) {
    *out_ += static_cast<char>((size << 4) | static_cast<uint8_t>(element_type));
  } else {
    *out_ += static_cast<char>(0xF0 | static_cast<uint8_t>(element_type));
    put_varint(*out_, size);
  }
}

void ThriftWriter::begin_list_struct() { last_ids_.push_back(0); }

void ThriftWriter::list_i32(int32_t value) { put_varint(*out_, zigzag_encode(value)); }

void ThriftWriter::list_binary(std::string_view value) {
  put_varint(*out_, value.size());
  out_->append(value);
}

void ThriftWriter::end_struct() {
  *out_ += '\0';
  if (last_ids_.size() > 1) last_ids_.pop_back();
}

Status ThriftReader::corrupt(std::string_view what) const {
  return Status(ErrorCode::kInternalStorageError,
                "corrupt Parquet metadata: " + std::string(what) + " at byte " + std::to_string(pos_));
}

Status ThriftReader::read_varint(uint64_t* value) {
  uint64_t result = 0;
  for (size_t idx = 0; idx < kMaxVarintBytes; ++idx) {
    if (pos_ >= data_.size()) return corrupt("truncated varint");
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    if (idx == kMaxVarintBytes - 1 && byte > 0x01) return corrupt("varint overflow");
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * idx);
    if ((byte & 0x80) == 0) {
      *value = result;
      return Status::ok();
    }
  }
  return corrupt("varint too long");
}

Status ThriftReader::next_field(int16_t* id, ThriftType* type) {
  if (pos_ >= data_.size()) return corrupt("truncated struct");
  const auto byte = static_cast<uint8_t>(data_[pos_++]);
  const uint8_t type_id = byte & 0x0F;
  if (type_id > static_cast<uint8_t>(ThriftType::kStruct)) return corrupt("unknown field type");
  *type = static_cast<ThriftType>(type_id);
  if (*type == ThriftType::kStop) return Status::ok();
  const int delta = byte >> 4;
  if (delta != 0) {
    *id = static_cast<int16_t>(last_ids_.back() + delta);
  } else {
    KALAM_RETURN_IF_ERROR(read_i16(id));
  }
  last_ids_.back() = *id;
  return Status::ok();
}

Status ThriftReader::read_bool(ThriftType field_type, bool* value) {
  if (field_type == ThriftType::kBoolTrue) {
    *value = true;
  } else if (field_type == ThriftType::kBoolFalse) {
    *value = false;
  } else {
    return corrupt("expected a bool");
  }
  return Status::ok();
}

Status ThriftReader::read_i16(int16_t* value) {
  uint64_t raw = 0;
  KALAM_RETURN_IF_ERROR(read_varint(&raw));
  const int64_t decoded = zigzag_decode(raw);
  if (decoded < INT16_MIN || decoded > INT16_MAX) return corrupt("i16 out of range");
  *value = static_cast<int16_t>(decoded);
  return Status::ok();
}

Status ThriftReader::read_i32(int32_t* value) {
  uint64_t raw = 0;
  KALAM_RETURN_IF_ERROR(read_varint(&raw));
  const int64_t decoded = zigzag_decode(raw);
  if (decoded < INT32_MIN || decoded > INT32_MAX) return corrupt("i32 out of range");
  *value = static_cast<int32_t>(decoded);
  return Status::ok();
}

Status ThriftReader::read_i64(int64_t* value) {
  uint64_t raw = 0;
  KALAM_RETURN_IF_ERROR(read_varint(&raw));
  *value = zigzag_decode(raw);
  return Status::ok();
}

Status ThriftReader::read_byte(int8_t* value) {
  if (pos_ >= data_.size()) return corrupt("truncated byte");
  *value = static_cast<int8_t>(data_[pos_++]);
  return Status::ok();
}

Status ThriftReader::read_binary(std::string_view* value) {
  uint64_t size = 0;
  KALAM_RETURN_IF_ERROR(read_varint(&size));
  if (size > data_.size() - pos_) return corrupt("binary past the end");
  *value = data_.substr(pos_, size);
  pos_ += size;
  return Status::ok();
}

Status ThriftReader::read_binary(std::string* value) {
  std::string_view view;
  KALAM_RETURN_IF_ERROR(read_binary(&view));
  value->assign(view);
  return Status::ok();
}

Status ThriftReader::read_list_header(ThriftType* element_type, uint32_t* size) {
  if (pos_ >= data_.size()) return corrupt("truncated list");
  const auto byte = static_cast<uint8_t>(data_[pos_++]);
  const uint8_t type_id = byte & 0x0F;
  if (type_id == 0 || type_id > static_cast<uint8_t>(ThriftType::kStruct))
    return corrupt("unknown list type");
  *element_type = static_cast<ThriftType>(type_id);
  uint64_t count = byte >> 4;
  if (count == 15) KALAM_RETURN_IF_ERROR(read_varint(&count));
  // Every element takes at least one byte: a larger count cannot be real.
  if (count > data_.size() - pos_) return corrupt("list longer than its data");
  *size = static_cast<uint32_t>(count);
  return Status::ok();
}

Status ThriftReader::begin_struct() {
  if (last_ids_.size() > kMaxNesting) return corrupt("nesting too deep");
  last_ids_.push_back(0);
  return Status::ok();
}

void ThriftReader::end_struct() {
  if (last_ids_.size() > 1) last_ids_.pop_back();
}

Status ThriftReader::skip(ThriftType type) {
  // Containers nest by recursion: bound it whatever the input says.
  if (skip_depth_ > kMaxNesting) return corrupt("nesting too deep");
  ++skip_depth_;
  Status status = skip_value(type);
  --skip_depth_;
  return status;
}

Status ThriftReader::skip_value(ThriftType type) {
  switch (type) {
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse:
      return Status::ok();
    case ThriftType::kByte: {
      int8_t ignored = 0;
      return read_byte(&ignored);
    }
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64: {
      uint64_t ignored = 0;
      return read_varint(&ignored);
    }
    case ThriftType::kDouble:
      if (data_.size() - pos_ < 8) return corrupt("truncated double");
      pos_ += 8;
      return Status::ok();
    case ThriftType::kBinary: {
      std::string_view ignored;
      return read_binary(&ignored);
    }
    case ThriftType::kList:
    case ThriftType::kSet: {
      ThriftType element_type{};
      uint32_t size = 0;
      KALAM_RETURN_IF_ERROR(read_list_header(&element_type, &size));
      for (uint32_t idx = 0; idx < size; ++idx) {
        if (element_type == ThriftType::kBoolTrue || element_type == ThriftType::kBoolFalse) {
          int8_t ignored = 0;  // list booleans take one byte each
          KALAM_RETURN_IF_ERROR(read_byte(&ignored));
        } else {
          KALAM_RETURN_IF_ERROR(skip(element_type));
        }
      }
      return Status::ok();
    }
    case ThriftType::kMap: {
      uint64_t size = 0;
      KALAM_RETURN_IF_ERROR(read_varint(&size));
      if (size == 0) return Status::ok();
      if (size > data_.size() - pos_) return corrupt("map longer than its data");
      if (pos_ >= data_.size()) return corrupt("truncated map");
      const auto types = static_cast<uint8_t>(data_[pos_++]);
      const auto key_type = static_cast<ThriftType>(types >> 4);
      const auto value_type = static_cast<ThriftType>(types & 0x0F);
      if ((types >> 4) > 12 || (types & 0x0F) > 12) return corrupt("unknown map type");
      for (uint64_t idx = 0; idx < size; ++idx) {
        KALAM_RETURN_IF_ERROR(skip(key_type));
        KALAM_RETURN_IF_ERROR(skip(value_type));
      }
      return Status::ok();
    }
    case ThriftType::kStruct: {
      KALAM_RETURN_IF_ERROR(begin_struct());
      while (true) {
        int16_t id = 0;
        ThriftType field_type{};
        KALAM_RETURN_IF_ERROR(next_field(&id, &field_type));
        if (field_type == ThriftType::kStop) break;
        KALAM_RETURN_IF_ERROR(skip(field_type));
      }
      end_struct();
      return Status::ok();
    }
    case ThriftType::kStop:
      break;
  }
  return corrupt("unexpected type");
}

}  // namespace kalam::parquet

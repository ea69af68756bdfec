// Lenient readers of JSON object fields for the records of the `system` column
// family: a missing or mistyped field reads as its empty value, so records written
// by older versions (fewer fields) stay readable.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kalam::json_fields {

// Parses `text` as a JSON object; anything else is INTERNAL_STORAGE_ERROR naming `what`.
inline Result<boost::json::object> parse_record(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) {
    return Status(ErrorCode::kInternalStorageError, "corrupt " + std::string(what) + " record");
  }
  return std::move(value.as_object());
}

inline std::string get_string(const boost::json::object& obj, std::string_view key) {
  auto* value = obj.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

inline int64_t get_int(const boost::json::object& obj, std::string_view key) {
  auto* value = obj.if_contains(key);
  return value != nullptr && value->is_int64() ? value->as_int64() : 0;
}

inline uint64_t get_uint(const boost::json::object& obj, std::string_view key) {
  auto* value = obj.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_uint64()) return value->as_uint64();
  if (value->is_int64()) return static_cast<uint64_t>(value->as_int64());
  return 0;
}

inline bool get_bool(const boost::json::object& obj, std::string_view key) {
  auto* value = obj.if_contains(key);
  return value != nullptr && value->is_bool() && value->as_bool();
}

}  // namespace kalam::json_fields

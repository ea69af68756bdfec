// JSON encoding of SQL values per type (api.md § Value encoding).
#pragma once

#include <string>
#include <string_view>

#include "common/data_type.h"
#include "common/value.h"

namespace kalam {

// Appends `text` as a JSON string (quoted, escaped).
void append_json_string(std::string& out, std::string_view text);
// Appends a REAL: NaN and infinities as strings, integral values with ".0".
void append_double(std::string& out, double number);
// Appends `value` encoded for a column of `type`: BIGINT (and integers beyond 2^53) as
// strings, time types as ISO-8601, BYTES as base64, BOOLEAN as true/false.
void append_json_value(std::string& out, const Value& value, DataType type);

}  // namespace kalam

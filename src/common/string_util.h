// Small ASCII string helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>

namespace kalam {

std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
bool iequals(std::string_view lhs, std::string_view rhs);
// True when `text` is valid UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);
// Escapes `text` as a JSON string body (without the surrounding quotes).
std::string json_escape(std::string_view text);
// Appends json_escape(text) to `out` (runs of plain characters are copied at once).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace kalam

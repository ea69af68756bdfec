// A single SQL value as it travels between layers (NULL, bool, integer, real, text/bytes).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace kalam {

using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

inline bool is_null(const Value& value) { return std::holds_alternative<std::monostate>(value); }

}  // namespace kalam

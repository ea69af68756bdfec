// ParamValue helpers.
#include "sql/parser/param_value.h"

namespace kalam {

std::string_view param_type_name(const ParamValue& value) {
  switch (value.index()) {
    case 0:
      return "NULL";
    case 1:
      return "BOOLEAN";
    case 2:
      return "BIGINT";
    case 3:
      return "DOUBLE";
    case 4:
      return "TEXT";
    default:
      return "JSON";
  }
}

size_t param_size_bytes(const ParamValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return text->size();
  if (const auto* json = std::get_if<JsonText>(&value)) return json->text.size();
  return 8;
}

}  // namespace kalam

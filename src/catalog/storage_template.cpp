// Storage template validation rules of sql.md § Storages.
#include "catalog/storage_template.h"

#include <string>

namespace kalam {

Status validate_storage_template(std::string_view tmpl, bool user_template, std::string_view argument) {
  auto invalid = [&](const std::string& reason) {
    return Status(ErrorCode::kInvalidArgument, "invalid " + std::string(argument) + ": " + reason)
        .with_detail("argument", std::string(argument));
  };
  if (tmpl.empty()) return invalid("must not be empty");
  if (tmpl.front() == '/') return invalid("must be a relative path");
  if (tmpl.find('\\') != std::string_view::npos || tmpl.find('\0') != std::string_view::npos) {
    return invalid("must not contain backslashes or NUL bytes");
  }
  bool has_namespace = false, has_table = false, has_user = false;
  size_t pos = 0;
  while (pos < tmpl.size()) {
    if (tmpl[pos] == '{') {
      size_t close = tmpl.find('}', pos);
      if (close == std::string_view::npos) return invalid("unterminated placeholder");
      std::string_view name = tmpl.substr(pos + 1, close - pos - 1);
      if (name == "namespace")
        has_namespace = true;
      else if (name == "tableName")
        has_table = true;
      else if (name == "userId")
        has_user = true;
      else
        return invalid("unknown placeholder {" + std::string(name) + "}");
      pos = close + 1;
    } else if (tmpl[pos] == '}') {
      return invalid("unbalanced '}'");
    } else {
      ++pos;
    }
  }
  size_t segment_start = 0;
  while (segment_start <= tmpl.size()) {
    size_t slash = tmpl.find('/', segment_start);
    std::string_view segment = tmpl.substr(
        segment_start, slash == std::string_view::npos ? std::string_view::npos : slash - segment_start);
    if (segment.empty()) return invalid("empty path segment");
    if (segment == ".." || segment == ".") return invalid("'.' and '..' segments are not allowed");
    if (slash == std::string_view::npos) break;
    segment_start = slash + 1;
  }
  if (!has_namespace || !has_table) return invalid("must contain {namespace} and {tableName}");
  if (user_template && !has_user) return invalid("must contain {userId}");
  if (!user_template && has_user) return invalid("a shared-table template cannot contain {userId}");
  return Status::ok();
}

}  // namespace kalam

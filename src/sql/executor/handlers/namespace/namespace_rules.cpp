// Reserved namespace names and the not-found error.
#include "sql/executor/handlers/namespace/namespace_rules.h"

#include <array>
#include <string>

#include "common/string_util.h"

namespace kalam {

Status check_namespace_not_reserved(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kReserved = {"system",
                                                                 "sys",
                                                                 "root",
                                                                 "kalamdb",
                                                                 "kalam",
                                                                 "main",
                                                                 "default",
                                                                 "sql",
                                                                 "admin",
                                                                 "internal",
                                                                 "information_schema",
                                                                 "pg_catalog"};
  for (auto reserved : kReserved) {
    if (iequals(reserved, name)) {
      return Status(ErrorCode::kInvalidArgument, "namespace name '" + std::string(name) + "' is reserved")
          .with_detail("argument", std::string("namespace"));
    }
  }
  return Status::ok();
}

Status namespace_not_found(std::string_view name) {
  return Status(ErrorCode::kNotFoundNamespace, "namespace '" + std::string(name) + "' does not exist")
      .with_detail("name", std::string(name));
}

}  // namespace kalam

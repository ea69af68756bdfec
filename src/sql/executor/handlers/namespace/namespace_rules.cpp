// Reserved namespace names and the not-found error.
#include "sql/executor/handlers/namespace/namespace_rules.h"

#include <array>
#include <string>

#include "common/string_util.h"
#include "sql/engine/sandbox.h"

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
  KALAM_RETURN_IF_ERROR(check_not_sqlite_name(name, "namespace"));
  for (auto reserved : kReserved) {
    if (iequals(reserved, name)) {
      return Status(ErrorCode::kInvalidArgument, "namespace name '" + std::string(name) + "' is reserved")
          .with_detail("argument", std::string("namespace"));
    }
  }
  return Status::ok();
}

Status check_not_sqlite_name(std::string_view name, std::string_view argument) {
  if (!is_sqlite_internal_name(name)) return Status::ok();
  return Status(ErrorCode::kInvalidArgument,
                std::string(argument) + " name '" + std::string(name) +
                    "' is reserved: names starting with 'sqlite_' belong to the SQL engine")
      .with_detail("argument", std::string(argument));
}

Status namespace_not_found(std::string_view name) {
  return Status(ErrorCode::kNotFoundNamespace, "namespace '" + std::string(name) + "' does not exist")
      .with_detail("name", std::string(name));
}

}  // namespace kalam

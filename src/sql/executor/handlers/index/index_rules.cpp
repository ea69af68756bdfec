// Shared index-handler rules.
#include "sql/executor/handlers/index/index_rules.h"

namespace kalam {

Result<std::string> resolve_index_namespace(const std::string& written, const std::string& index_name,
                                            const ExecutionContext& ctx) {
  if (!written.empty()) return written;
  if (!ctx.default_namespace.empty()) return ctx.default_namespace;
  return Status(ErrorCode::kNotFoundIndex,
                "index '" + index_name + "' is not qualified and the request has no namespace_id or USE")
      .with_detail("name", index_name);
}

Status index_not_found(std::string_view namespace_id, std::string_view index_name) {
  std::string name = std::string(namespace_id) + "." + std::string(index_name);
  return Status(ErrorCode::kNotFoundIndex, "index '" + name + "' does not exist").with_detail("name", name);
}

bool relation_name_taken(const CatalogSnapshot& snapshot, std::string_view namespace_id, std::string_view name) {
  return snapshot.find_table(namespace_id, name) != nullptr ||
         snapshot.find_table_of_index(namespace_id, name) != nullptr;
}

}  // namespace kalam

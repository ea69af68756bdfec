// Rules shared by the index handlers: where an index name lives, the error for a
// missing index, and how an index's columns read in SHOW INDEXES and DESCRIBE.
#pragma once

#include <string>

#include "catalog/schema_registry.h"
#include "catalog/table_schema.h"
#include "common/status.h"
#include "sql/context/execution_context.h"

namespace kalam {

// The namespace an index name means: as written, else the request's default.
// Errors: NOT_FOUND_INDEX for an unqualified name without a default namespace.
Result<std::string> resolve_index_namespace(const std::string& written, const std::string& index_name,
                                            const ExecutionContext& ctx);

// NOT_FOUND_INDEX naming `ns.index`.
Status index_not_found(std::string_view namespace_id, std::string_view index_name);

// Whether an index or table of `namespace_id` in `snapshot` already has `name`.
bool relation_name_taken(const CatalogSnapshot& snapshot, std::string_view namespace_id,
                         std::string_view name);

}  // namespace kalam

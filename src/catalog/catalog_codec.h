// JSON encoding of catalog records for the `system` column family.
#pragma once

#include <string>
#include <string_view>

#include "catalog/catalog_models.h"
#include "common/status.h"

namespace kalam {

std::string encode_namespace(const NamespaceDef& def);
Result<NamespaceDef> decode_namespace(std::string_view json);
std::string encode_storage(const StorageDef& def);
Result<StorageDef> decode_storage(std::string_view json);
std::string encode_table(const TableDef& def);
Result<TableDef> decode_table(std::string_view json);

}  // namespace kalam

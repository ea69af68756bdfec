// Rules shared by the storage handlers: field validation, credential sealing,
// the not-found error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog_models.h"
#include "common/status.h"

namespace kalam {

Status storage_not_found(std::string_view storage_id);

// Validates both templates and the base directory of a (new or altered) storage.
Status validate_storage_def(const StorageDef& def);

// Checks that credentials are a JSON object and seals them with `key_material`.
Result<std::string> seal_storage_credentials(std::string_view credentials, std::string_view key_material);

}  // namespace kalam

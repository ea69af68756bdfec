// Rules shared by the storage handlers: field validation, credential sealing,
// the not-found error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog_models.h"
#include "common/status.h"
#include "config/server_config.h"

namespace kalam {

Status storage_not_found(std::string_view storage_id);

// Validates both templates and the base directory of a (new or altered) storage.
Status validate_storage_def(const StorageDef& def);

// The folders filesystem storages may use: `[storage] allowed_roots` (comma-separated
// absolute paths), or the data directory when it is empty.
std::vector<std::filesystem::path> allowed_storage_roots(const ServerConfig& config);

// INVALID_ARGUMENT (argument "base_directory") unless `base_directory` is an absolute path
// inside one of the allowed roots, judged after `..` and the symbolic links of its
// existing part are resolved.
Status check_storage_path(std::string_view base_directory, const ServerConfig& config);

// Checks that credentials are a JSON object and seals them with `key_material`.
Result<std::string> seal_storage_credentials(std::string_view credentials, std::string_view key_material);

}  // namespace kalam

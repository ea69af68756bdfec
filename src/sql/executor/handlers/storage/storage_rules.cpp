// Storage definition validation and credential sealing.
#include "sql/executor/handlers/storage/storage_rules.h"

#include <algorithm>
#include <boost/json.hpp>

#include "auth/secret_box.h"
#include "catalog/storage_template.h"

namespace kalam {

Status storage_not_found(std::string_view storage_id) {
  return Status(ErrorCode::kNotFoundStorage, "storage '" + std::string(storage_id) + "' does not exist")
      .with_detail("name", std::string(storage_id));
}

Status validate_storage_def(const StorageDef& def) {
  auto invalid = [](std::string message, std::string argument) {
    return Status(ErrorCode::kInvalidArgument, std::move(message))
        .with_detail("argument", std::move(argument));
  };
  if (def.base_directory.empty()) return invalid("BASE_DIRECTORY must not be empty", "base_directory");
  if (def.base_directory.find('\0') != std::string::npos) {
    return invalid("BASE_DIRECTORY must not contain NUL bytes", "base_directory");
  }
  if (def.storage_type == StorageType::kS3 && def.base_directory.rfind("s3://", 0) != 0) {
    return invalid("an s3 storage needs BASE_DIRECTORY 's3://bucket/prefix'", "base_directory");
  }
  if (def.storage_type == StorageType::kFilesystem && def.base_directory.find("://") != std::string::npos) {
    return invalid("a filesystem storage needs a local directory path", "base_directory");
  }
  KALAM_RETURN_IF_ERROR(
      validate_storage_template(def.shared_tables_template, false, "shared_tables_template"));
  KALAM_RETURN_IF_ERROR(validate_storage_template(def.user_tables_template, true, "user_tables_template"));
  return Status::ok();
}

std::vector<std::filesystem::path> allowed_storage_roots(const ServerConfig& config) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  std::string_view list = config.storage.allowed_roots;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) roots.emplace_back(item);
  }
  if (roots.empty()) {
    std::error_code ec;
    roots.push_back(fs::absolute(config.storage.data_path, ec));
  }
  return roots;
}

Status check_storage_path(std::string_view base_directory, const ServerConfig& config) {
  namespace fs = std::filesystem;
  auto invalid = [&](std::string why) {
    return Status(ErrorCode::kInvalidArgument, "BASE_DIRECTORY '" + std::string(base_directory) + "' " + why)
        .with_detail("argument", std::string("base_directory"));
  };
  fs::path path(base_directory);
  if (!path.is_absolute()) return invalid("must be an absolute path");
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(path, ec);
  if (ec) return invalid("cannot be resolved: " + ec.message());
  std::string allowed;
  for (const fs::path& root : allowed_storage_roots(config)) {
    if (!root.is_absolute()) continue;  // refused at start-up (check_storage_roots)
    fs::path canonical_root = fs::weakly_canonical(root, ec);
    if (ec) continue;
    auto [root_end, ignored] =
        std::mismatch(canonical_root.begin(), canonical_root.end(), resolved.begin(), resolved.end());
    if (root_end == canonical_root.end()) return Status::ok();
    allowed += (allowed.empty() ? "" : ", ") + root.string();
  }
  return invalid("is outside the folders storages may use (" + allowed + "; [storage] allowed_roots)");
}

Result<std::string> seal_storage_credentials(std::string_view credentials, std::string_view key_material) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(credentials, ec);
  if (ec || !parsed.is_object()) {
    return Status(ErrorCode::kInvalidArgument, "CREDENTIALS must be a JSON object")
        .with_detail("argument", std::string("credentials"));
  }
  return seal_secret(credentials, key_material);
}

}  // namespace kalam

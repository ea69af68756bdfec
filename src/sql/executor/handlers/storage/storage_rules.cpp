// Storage definition validation and credential sealing.
#include "sql/executor/handlers/storage/storage_rules.h"

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

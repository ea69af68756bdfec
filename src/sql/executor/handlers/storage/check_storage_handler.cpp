// STORAGE CHECK: probes a filesystem storage with write, read, list and delete of a
// temporary file and reports each result with the total latency.
#include "sql/executor/handlers/storage/check_storage_handler.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "catalog/schema_registry.h"
#include "common/ids.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/storage/storage_rules.h"

namespace kalam {

Status CheckStorageHandler::check_authorization(const ExecutionContext& ctx, const CheckStorageStmt&) const {
  return require_role(ctx, Role::kDba, "STORAGE CHECK");
}

Result<ExecutionResult> CheckStorageHandler::execute(ExecutionContext&, const CheckStorageStmt& stmt) {
  namespace fs = std::filesystem;
  auto snapshot = services_.schema_registry->snapshot();
  const StorageDef* def = snapshot->find_storage(stmt.storage_id);
  if (def == nullptr) return storage_not_found(stmt.storage_id);
  if (def->storage_type != StorageType::kFilesystem) {
    return Status(ErrorCode::kNotImplemented, "STORAGE CHECK of s3 storages is not implemented yet")
        .with_detail("feature", std::string("STORAGE CHECK s3"));
  }
  auto started = std::chrono::steady_clock::now();
  bool write_ok = false, read_ok = false, list_ok = false, delete_ok = false;
  std::string error;
  const std::string payload = "kalamdb storage check " + uuid_v4();
  fs::path base(def->base_directory);
  fs::path probe = base / (".kalamdb-check-" + uuid_v4());
  std::error_code ec;
  // A storage created before its folder left the allowed roots (or by an earlier
  // version) is reported, and nothing is created or written there.
  Status inside =
      services_.config != nullptr ? check_storage_path(def->base_directory, *services_.config) : Status::ok();
  if (!inside.is_ok()) {
    error = inside.message();
  } else if (fs::create_directories(base, ec); ec) {
    error = "cannot create base directory: " + ec.message();
  } else {
    {
      std::ofstream out(probe, std::ios::binary | std::ios::trunc);
      out << payload;
      out.flush();
      write_ok = static_cast<bool>(out);
    }
    if (!write_ok) error = "write failed";
    if (write_ok) {
      std::ifstream in(probe, std::ios::binary);
      std::string read_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      read_ok = read_back == payload;
      if (!read_ok) error = "read-back mismatch";
      for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename() == probe.filename()) list_ok = true;
      }
      if (!list_ok && error.empty()) error = ec ? "list failed: " + ec.message() : "probe file not listed";
      delete_ok = fs::remove(probe, ec) && !ec;
      if (!delete_ok && error.empty()) error = "delete failed: " + ec.message();
    }
  }
  double latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  RowsResult result;
  result.schema = {{"storage_id", DataType::kText, {"nn"}},
                   {"write_ok", DataType::kBoolean, {"nn"}},
                   {"read_ok", DataType::kBoolean, {"nn"}},
                   {"list_ok", DataType::kBoolean, {"nn"}},
                   {"delete_ok", DataType::kBoolean, {"nn"}},
                   {"latency_ms", DataType::kDouble, {"nn"}},
                   {"error", DataType::kText, {}}};
  result.rows.push_back({Value(def->storage_id), Value(write_ok), Value(read_ok), Value(list_ok),
                         Value(delete_ok), Value(latency_ms), error.empty() ? Value() : Value(error)});
  return ExecutionResult(std::move(result));
}

}  // namespace kalam

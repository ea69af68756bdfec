// SHOW STORAGES: every storage definition without its credentials.
#include "sql/executor/handlers/storage/show_storages_handler.h"

#include "catalog/schema_registry.h"

namespace kalam {

Status ShowStoragesHandler::check_authorization(const ExecutionContext&, const ShowStoragesStmt&) const {
  return Status::ok();  // any authenticated role
}

Result<ExecutionResult> ShowStoragesHandler::execute(ExecutionContext&, const ShowStoragesStmt&) {
  auto snapshot = services_.schema_registry->snapshot();
  RowsResult result;
  result.schema = {{"storage_id", DataType::kText, {"pk", "nn"}},
                   {"storage_name", DataType::kText, {}},
                   {"storage_type", DataType::kText, {"nn"}},
                   {"description", DataType::kText, {}},
                   {"base_directory", DataType::kText, {"nn"}},
                   {"shared_tables_template", DataType::kText, {"nn"}},
                   {"user_tables_template", DataType::kText, {"nn"}},
                   {"region", DataType::kText, {}},
                   {"endpoint", DataType::kText, {}},
                   {"has_credentials", DataType::kBoolean, {"nn"}},
                   {"created_at", DataType::kTimestamp, {"nn"}}};
  auto optional_text = [](const std::string& text) { return text.empty() ? Value() : Value(text); };
  for (const StorageDef* def : snapshot->storages()) {
    result.rows.push_back({Value(def->storage_id), Value(def->storage_name),
                           Value(std::string(storage_type_name(def->storage_type))),
                           optional_text(def->description), Value(def->base_directory),
                           Value(def->shared_tables_template), Value(def->user_tables_template),
                           optional_text(def->region), optional_text(def->endpoint),
                           Value(!def->sealed_credentials.empty()), Value(def->created_at_us)});
  }
  return ExecutionResult(std::move(result));
}

}  // namespace kalam

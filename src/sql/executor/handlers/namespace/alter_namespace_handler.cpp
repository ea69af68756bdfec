// ALTER NAMESPACE … SET OPTIONS: known options are description (text) and
// retention_days (integer >= 0); options merge into the existing ones.
#include "sql/executor/handlers/namespace/alter_namespace_handler.h"

#include <boost/json.hpp>

#include "catalog/schema_registry.h"
#include "sql/context/audit.h"
#include "sql/context/authorization.h"
#include "sql/executor/handlers/namespace/namespace_rules.h"

namespace kalam {

Status AlterNamespaceHandler::check_authorization(const ExecutionContext& ctx,
                                                  const AlterNamespaceStmt&) const {
  return require_role(ctx, Role::kDba, "ALTER NAMESPACE");
}

Result<ExecutionResult> AlterNamespaceHandler::execute(ExecutionContext& ctx,
                                                       const AlterNamespaceStmt& stmt) {
  namespace json = boost::json;
  CatalogChange change = services_.schema_registry->begin_change();
  const NamespaceDef* existing = change.current().find_namespace(stmt.name);
  if (existing == nullptr) return namespace_not_found(stmt.name);
  NamespaceDef def = *existing;
  boost::system::error_code ec;
  json::value parsed = json::parse(def.options_json, ec);
  json::object options = (!ec && parsed.is_object()) ? parsed.as_object() : json::object();
  json::object changed;
  for (const auto& [key, value] : stmt.options) {
    auto invalid = [&](const std::string& reason) {
      return Status(ErrorCode::kInvalidArgument, "invalid namespace option '" + key + "': " + reason)
          .with_detail("argument", key);
    };
    if (key == "description") {
      if (const auto* text = std::get_if<std::string>(&value)) {
        options[key] = *text;
      } else if (is_null(value)) {
        options.erase(key);
      } else {
        return invalid("must be a string");
      }
    } else if (key == "retention_days") {
      const auto* days = std::get_if<int64_t>(&value);
      if (days == nullptr || *days < 0) return invalid("must be an integer >= 0");
      options[key] = *days;
    } else {
      return invalid("unknown option (known: description, retention_days)");
    }
    changed[key] = options.contains(key) ? options[key] : json::value(nullptr);
  }
  std::string new_options = json::serialize(options);
  if (new_options == def.options_json) {
    return ExecutionResult(SuccessResult{"Namespace '" + stmt.name + "' unchanged", 0});
  }
  def.options_json = std::move(new_options);
  def.updated_at_us = ctx.timestamp_us;
  change.put_namespace(std::move(def));
  log_ddl_operation(change.batch(), ctx, services_, "ALTER_NAMESPACE", "namespace:" + stmt.name,
                    json::serialize(json::object{{"options", changed}}));
  KALAM_RETURN_IF_ERROR(ctx.check_deadline("ALTER NAMESPACE"));
  KALAM_RETURN_IF_ERROR(change.commit());
  return ExecutionResult(SuccessResult{"Namespace '" + stmt.name + "' altered", 1});
}

}  // namespace kalam

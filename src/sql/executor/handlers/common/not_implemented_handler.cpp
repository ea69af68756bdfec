// NOT_IMPLEMENTED answers for statement kinds of later issues.
#include "sql/executor/handlers/common/not_implemented_handler.h"

namespace kalam {

Status NotImplementedHandler::check_authorization(const ExecutionContext&, const RawSqlStatement&) const {
  return Status::ok();  // nothing executes, so there is nothing to protect
}

Result<ExecutionResult> NotImplementedHandler::execute(ExecutionContext&, const RawSqlStatement& stmt) {
  std::string feature(statement_kind_name(stmt.kind));
  return Status(ErrorCode::kNotImplemented, feature + " is not implemented in this version of KalamDB")
      .with_detail("feature", feature);
}

}  // namespace kalam

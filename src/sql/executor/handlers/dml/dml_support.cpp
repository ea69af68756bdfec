// DmlHandlerBase: authorization shared by the DML handlers.
#include "sql/executor/handlers/dml/dml_support.h"

namespace kalam {

Status DmlHandlerBase::check_authorization(const ExecutionContext&, const DmlStmt&) const {
  return Status::ok();
}

}  // namespace kalam

// ExecutionMetadata: what the executor records about one executed statement.
#pragma once

#include <cstddef>
#include <string>

#include "sql/parser/statement_kind.h"

namespace kalam {

struct ExecutionMetadata {
  size_t statement_index = 0;
  StatementKind kind = StatementKind::kSelect;
  double elapsed_ms = 0.0;
  std::string as_user;  // effective user the statement ran as
};

}  // namespace kalam

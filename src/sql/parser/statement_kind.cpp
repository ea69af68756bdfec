// Names and properties of statement kinds.
#include "sql/parser/statement_kind.h"

#include <array>

namespace kalam {
namespace {

constexpr std::array<std::string_view, kStatementKindCount> kNames = {
#define KALAM_KIND_NAME(name, display, operation) display,
    KALAM_STATEMENT_KINDS(KALAM_KIND_NAME)
#undef KALAM_KIND_NAME
};

constexpr std::array<std::string_view, kStatementKindCount> kOperations = {
#define KALAM_KIND_OPERATION(name, display, operation) operation,
    KALAM_STATEMENT_KINDS(KALAM_KIND_OPERATION)
#undef KALAM_KIND_OPERATION
};

}  // namespace

std::string_view statement_kind_name(StatementKind kind) { return kNames[static_cast<size_t>(kind)]; }

std::string_view statement_kind_operation(StatementKind kind) {
  return kOperations[static_cast<size_t>(kind)];
}

bool statement_kind_accepts_params(StatementKind kind) {
  switch (kind) {
    case StatementKind::kSelect:
    case StatementKind::kInsert:
    case StatementKind::kUpdate:
    case StatementKind::kDelete:
    case StatementKind::kExecuteAsUser:
      return true;
    default:
      return false;
  }
}

bool statement_kind_is_ddl(StatementKind kind) {
  switch (kind) {
    case StatementKind::kCreateNamespace:
    case StatementKind::kAlterNamespace:
    case StatementKind::kDropNamespace:
    case StatementKind::kCreateStorage:
    case StatementKind::kAlterStorage:
    case StatementKind::kDropStorage:
    case StatementKind::kCreateTable:
    case StatementKind::kAlterTable:
    case StatementKind::kDropTable:
    case StatementKind::kCreateIndex:
    case StatementKind::kDropIndex:
    case StatementKind::kReindex:
    case StatementKind::kCreateView:
    case StatementKind::kDropView:
    case StatementKind::kCreateUser:
    case StatementKind::kAlterUser:
    case StatementKind::kDropUser:
      return true;
    default:
      return false;
  }
}

}  // namespace kalam

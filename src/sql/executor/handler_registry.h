// HandlerRegistry: a dense array of handlers indexed by StatementKind, filled by
// one registration function (register_all_handlers).
#pragma once

#include <array>
#include <memory>

#include "sql/executor/typed_handler.h"
#include "sql/parser/statement_kind.h"

namespace kalam {

class HandlerRegistry {
 public:
  // Registers `handler` for `kind`; returns false if the kind already has one.
  bool add(StatementKind kind, std::unique_ptr<StatementHandler> handler);
  // nullptr when the kind has no handler.
  StatementHandler* get(StatementKind kind) const { return handlers_[static_cast<size_t>(kind)].get(); }
  // Replaces a handler (tests only: e.g. a slow handler for deadline tests).
  void replace(StatementKind kind, std::unique_ptr<StatementHandler> handler);
  // Number of kinds with a handler; registration conflicts seen by add().
  size_t size() const;
  size_t conflicts() const { return conflicts_; }

 private:
  std::array<std::unique_ptr<StatementHandler>, kStatementKindCount> handlers_{};
  size_t conflicts_ = 0;
};

// The one place every handler is registered.
void register_all_handlers(HandlerRegistry& registry, ExecutorServices& services);

}  // namespace kalam

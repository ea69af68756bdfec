// ExecutionResult: the variant every handler returns, with row_count() and
// rows_affected() defined once for all variants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/data_type.h"
#include "common/value.h"

namespace kalam {

struct ResultColumn {
  std::string name;
  DataType data_type = DataType::kText;
  std::vector<std::string> flags;  // "pk", "nn", …
};

using ResultRow = std::vector<Value>;

struct RowsResult {
  std::vector<ResultColumn> schema;
  std::vector<ResultRow> rows;
  std::optional<std::string> message;
};
// DML results; `returning` holds the rows of a RETURNING clause.
struct InsertedResult {
  uint64_t rows_affected = 0;  // rows inserted plus rows an upsert updated
  std::optional<RowsResult> returning;
  uint64_t updated = 0;  // of rows_affected: rows an upsert (ON CONFLICT … DO UPDATE) updated
};
struct UpdatedResult {
  uint64_t rows_affected = 0;
  std::optional<RowsResult> returning;
};
struct DeletedResult {
  uint64_t rows_affected = 0;
  std::optional<RowsResult> returning;
};
// DDL, user management, USE …: rows_affected is 1 when something changed, 0 for no-ops.
struct SuccessResult {
  std::string message;
  uint64_t rows_affected = 0;
};
struct FlushedResult {
  RowsResult rows;  // job_id, table, status
  uint64_t jobs_created = 0;
  std::string message;
};
struct SubscriptionResult {
  RowsResult rows;
  std::string message;
};
struct JobKilledResult {
  std::string job_id;
  std::string message;
};

using ExecutionResult = std::variant<RowsResult, InsertedResult, UpdatedResult, DeletedResult, SuccessResult,
                                     FlushedResult, SubscriptionResult, JobKilledResult>;

// Rows returned (SELECT, SHOW, DESCRIBE …, DML with RETURNING); 0 for statements that return none.
uint64_t row_count(const ExecutionResult& result);
// Rows inserted/changed/deleted, or 1/0 for object changes (api.md § POST /v1/api/sql).
uint64_t rows_affected(const ExecutionResult& result);
// The rows of a result that carries any (nullptr otherwise).
const RowsResult* result_rows(const ExecutionResult& result);
// The human message of a result (nullopt for plain row results without one).
std::optional<std::string> result_message(const ExecutionResult& result);

}  // namespace kalam

// The parts of an INSERT/UPDATE/DELETE that SQLite cannot run on virtual tables and
// that the engine runs itself: `RETURNING …` and `ON CONFLICT … DO UPDATE` (and
// `ON CONFLICT … DO NOTHING`, which becomes `INSERT OR IGNORE`). Pure token work: no
// catalog, no SQLite.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sql/parser/token.h"

namespace kalam {

struct UpsertClause {
  std::string with_prefix;                    // "WITH … " before INSERT ("" when none)
  std::string or_clause;                      // "OR REPLACE " … ("" when none)
  std::string columns;                        // "(a, b)" as written ("" when none)
  std::string source;                         // "VALUES …" or "SELECT …"; "" for DEFAULT VALUES
  std::vector<std::string> conflict_columns;  // the conflict target (empty: any conflict)
  std::string assignments;                    // the text after DO UPDATE SET, up to its WHERE
  std::string condition;                      // the DO UPDATE … WHERE condition ("" when none)
};

// Where a DML statement places client parameters directly as a column's value:
// `INSERT … [(cols)] VALUES (…, $n, …)` and `SET col = $n` (also in DO UPDATE SET).
// `known` is false for shapes whose values may come from elsewhere (INSERT … SELECT).
struct ParamPlacements {
  bool known = false;
  std::vector<std::pair<std::string, int64_t>> by_name;  // column name (normalized) → n
  std::vector<std::pair<size_t, int64_t>> by_position;   // INSERT without a column list
};

struct DmlClauses {
  std::string action;                    // "INSERT", "UPDATE" or "DELETE"
  std::string base_sql;                  // what SQLite runs when there is no upsert
  std::string target;                    // the target table as written: `t`, `ns.t`, `"ns"."t"`
  std::string target_ns;                 // its namespace ("" when unqualified), normalized like names
  std::string target_name;               // its table name, normalized (bare names lower-cased)
  std::string alias;                     // the name RETURNING and DO UPDATE use for the table
  std::optional<std::string> returning;  // the RETURNING list
  std::optional<UpsertClause> upsert;    // ON CONFLICT … DO UPDATE
  // The INSERT resolves key conflicts itself: ON CONFLICT, OR IGNORE, OR REPLACE, REPLACE.
  bool resolves_conflicts = false;
  ParamPlacements params;
};

// Index of the statement's INSERT/REPLACE/UPDATE/DELETE keyword: the first token, or
// after a WITH clause the first one at parenthesis depth 0; tokens.size() when the
// statement is none of them.
size_t dml_head_index(const std::vector<Token>& tokens);

// Splits a DML statement. Statements that are not INSERT/UPDATE/DELETE (or have no
// target) come back with an empty action and base_sql = sql. Errors:
// INVALID_SQL_SYNTAX (an empty or malformed RETURNING list or ON CONFLICT clause),
// NOT_IMPLEMENTED (more than one ON CONFLICT clause, or a conflict target with WHERE).
// `tokens`: the statement's tokens when the caller has them (else it is tokenized here).
Result<DmlClauses> parse_dml_clauses(std::string_view sql, const std::vector<Token>* tokens = nullptr);

// Rewrites `excluded.<column>` references in `text` with `$<first_param + position>`,
// where position is the column's index in `columns` (names compared like SQL names).
// Errors: INVALID_SQL_SYNTAX naming an unknown excluded column.
Result<std::string> replace_excluded(std::string_view text, const std::vector<std::string>& columns,
                                     int64_t first_param);

}  // namespace kalam

// The SQLite sandbox: what SQL running inside KalamDB may call and read beyond the
// KalamDB tables (docs/security.md lists it). Deny by default: a function or table-valued
// function not listed here is refused when the statement is prepared.
#pragma once

#include <sqlite3.h>

#include <string_view>

namespace kalam {

// True for the SQLite and KalamDB functions SQL may call (lower-case name, as SQLite's
// authorizer reports it).
bool sandbox_allows_function(std::string_view name);

// True for the table-valued functions SQL may read (json_each, json_tree).
bool sandbox_allows_table_function(std::string_view name);

// True for SQLite's own schema and statistics tables (names starting with "sqlite_",
// any case): never readable, and refused as KalamDB object names.
bool is_sqlite_internal_name(std::string_view name);

// Closes what the function list alone cannot, on a new connection (before its
// authorizer is installed): turns fts3_tokenizer off, replaces printf/format by versions
// that fail instead of returning NULL when the result would exceed the value limit, and
// initializes json_each/json_tree (their first use writes SQLite's schema, which the
// authorizer refuses).
int install_sandbox(sqlite3* db);

}  // namespace kalam

// A KalamDB Value as an SQLite result: shared by the table module and other virtual
// tables that must present values exactly as it does (live filters).
#pragma once

#include <sqlite3.h>

#include "common/value.h"

namespace kalam {

// Sets an SQLite function or column result from a Value (bool → 0/1; NaN → the text
// 'NaN', which SQLite would otherwise turn into NULL).
void sqlite_result_value(sqlite3_context* context, const Value& value);

}  // namespace kalam

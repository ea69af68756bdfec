// Validation of storage path templates ({namespace}, {tableName}, {userId}).
#pragma once

#include <string_view>

#include "common/status.h"

namespace kalam {

// The shared template must contain {namespace} and {tableName}; the user template
// also {userId}. Unknown placeholders, '..' segments, absolute paths, empty
// segments or backslashes → INVALID_ARGUMENT naming `argument`.
Status validate_storage_template(std::string_view tmpl, bool user_template, std::string_view argument);

}  // namespace kalam

// The JWT secret of a server started without one: generated on first start and kept in
// the data directory (mode 0600), so tokens survive restarts and no built-in secret
// exists that anyone could sign tokens with.
#pragma once

#include <string>

#include "common/status.h"

namespace kalam {

// The secret stored at `path`; when there is no file, a new random one (256 bits, hex)
// is written there first (`*created` = true). A file that is not a usable secret (fewer
// than 32 characters, or readable by others) is an error.
Result<std::string> load_or_create_secret_file(const std::string& path, bool* created);

}  // namespace kalam

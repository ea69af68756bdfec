// Named crash points (RocksDB's TEST_SYNC_POINT idea, for crashes): a test starts the
// server with KALAMDB_CRASH_POINT=<name> (or <name>@<n>), and the process kills itself
// with SIGKILL the first (or n-th) time it reaches crash_point(<name>), exactly as
// `kill -9` at that instant would.
// Without the variable a crash point costs one predictable branch.
#pragma once

#include <string_view>

namespace kalam {

void crash_point(std::string_view name);

}  // namespace kalam

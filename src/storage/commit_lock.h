// The process-wide lock that serializes commits of table rows: the SQL engine's
// conflict check + write, and the stream eviction's re-check + delete, are each one
// step with respect to every other commit.
#pragma once

#include <mutex>

namespace kalam {

inline std::mutex& row_commit_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace kalam

// The interface through which committed row changes leave the SQL engine: every
// commit hands its ordered changes to the LiveQueryManager after they are durable.
// The live-query issue implements subscriptions on top of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/value.h"

namespace kalam {

enum class ChangeKind : uint8_t { kInsert, kUpdate, kDelete };

struct RowChange {
  std::string table;  // "ns.table"
  uint64_t table_id = 0;
  std::string scope;  // user id for USER/STREAM tables, empty for SHARED
  ChangeKind kind = ChangeKind::kInsert;
  // Column values by column name (current schema); empty when not applicable.
  std::vector<std::pair<std::string, Value>> old_values;
  std::vector<std::pair<std::string, Value>> new_values;
  int64_t seq = 0;  // the _seq of the change
};

class LiveQueryManager {
 public:
  virtual ~LiveQueryManager() = default;
  // Called once per commit, after the batch is durable, with the changes in the order
  // they were made. Must not block: implementations queue and return.
  virtual void publish(const std::vector<RowChange>& changes) = 0;
};

}  // namespace kalam

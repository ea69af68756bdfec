// The interface through which committed row changes leave the SQL engine, and through
// which SQL statements see and end subscriptions: every commit hands its ordered changes
// to the LiveQueryManager after they are durable; system.live, KILL LIVE QUERY, DROP
// TABLE, DROP/ALTER USER and SHOW STATS reach the subscriptions through it. The
// implementation (live/live_service.h) sits above the engine; the engine includes only
// this header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/role.h"
#include "common/status.h"
#include "common/value.h"

namespace kalam {

enum class ChangeKind : uint8_t { kInsert, kUpdate, kDelete };

struct RowChange {
  std::string table;  // "ns.table"
  uint64_t table_id = 0;
  std::string scope;  // user id for USER/STREAM tables, empty for SHARED
  std::string key;    // the row key (table store layout): identifies the row
  ChangeKind kind = ChangeKind::kInsert;
  // Column values by column name (current schema), then "_seq"; empty when not applicable.
  std::vector<std::pair<std::string, Value>> old_values;
  std::vector<std::pair<std::string, Value>> new_values;
  int64_t seq = 0;  // the _seq of the change
  // The row as read after an unrecorded write (publish_unrecorded): its earlier state is
  // unknown. new_values hold the row, or are empty when it is gone.
  bool coalesced = false;
};

// A committed write whose change event was not recorded because no subscription wanted
// its table when the statement ran (LiveQueryManager::wants_changes): its row key and
// final _seq. If a subscription started meanwhile, the manager reads the row instead.
struct UnrecordedWrite {
  uint64_t table_id = 0;
  std::string key;
  int64_t seq = 0;
};

// One active subscription, as system.live shows it.
struct LiveQueryInfo {
  std::string live_id;
  std::string connection_id;
  std::string subscription_id;    // the client's id for it
  std::string user_id;            // the subscriber (whose role decides access)
  std::string effective_user_id;  // whose rows (EXECUTE AS target, else user_id)
  std::string namespace_id;
  std::string table_name;
  std::string query;
  std::string options;  // JSON
  int64_t created_at_us = 0;
  int64_t last_change_at_us = 0;  // 0 = none yet
  uint64_t changes_sent = 0;
};

class LiveQueryManager {
 public:
  virtual ~LiveQueryManager() = default;
  // Called once per commit, after the batch is durable, with the changes in the order
  // they were made. Must not block: implementations queue and return.
  virtual void publish(const std::vector<RowChange>& changes) = 0;
  // Whether writes to the table scope (a user's rows; "" for a SHARED table) must record
  // change events (some subscription may want them). A write that records none is handed to
  // publish_unrecorded after its commit, in the same order as publish, so that a subscription that started
  // while the statement ran still learns of it. Thread-safe, cheap.
  virtual bool wants_changes(uint64_t table_id, std::string_view scope) const { return true; }
  virtual void publish_unrecorded(const std::vector<UnrecordedWrite>& writes) {}

  // Every active subscription.
  virtual std::vector<LiveQueryInfo> live_queries() const { return {}; }
  // Active subscriptions on the table (SHOW STATS).
  virtual size_t count_for_table(uint64_t table_id) const { return 0; }
  // KILL LIVE QUERY: ends `live_id` with KILLED. `caller` may end only their own unless
  // `any_user`. NOT_FOUND_LIVE_QUERY when there is no such subscription the caller may end.
  virtual Status kill(std::string_view live_id, std::string_view caller, bool any_user) {
    return Status(ErrorCode::kNotFoundLiveQuery, "Live query '" + std::string(live_id) + "' not found");
  }
  // Checks a subscription's SQL for `user_id` with `role` (SUBSCRIBE TO over HTTP): the
  // table, access, columns, filter and options. Returns the table as "ns.table".
  virtual Result<std::string> validate_subscription(const std::string& sql, const std::string& user_id,
                                                    Role role, const std::string& default_namespace) {
    return Status(ErrorCode::kNotImplemented, "live queries are not available");
  }
  // The table was dropped: its subscriptions end with NOT_FOUND_TABLE.
  virtual void table_dropped(uint64_t table_id) {}
  // The table's columns changed (ALTER TABLE): its subscriptions end with SCHEMA_CHANGED
  // and their resume point, so that clients resubscribe and get the new schema.
  virtual void table_altered(uint64_t table_id) {}
  // The user was dropped or changed role: subscriptions that lost their access end with
  // AUTH_INSUFFICIENT_ROLE.
  virtual void user_changed(std::string_view user_id) {}
};

}  // namespace kalam

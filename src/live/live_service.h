// LiveQueryService: the subscriptions of live.md. Committed changes arrive through
// LiveQueryManager::publish (in commit order, after they are durable); one dispatcher
// thread owns every subscription: it reads the initial snapshots (or the `_seq` history
// for `from`), evaluates filters, and queues messages on each connection's bounded
// outgoing queue, from which the WebSocket transport pulls. A writer never waits for a
// subscriber: publish only appends to the dispatcher's inbox.
//
// Exactly once across the snapshot: a subscription is registered (so it receives every
// change published from then on) before its snapshot is pinned at the commit sequence's
// settled point V; changes with _seq <= V are in the snapshot and dropped, later ones
// are delivered. Row versions above V that a commit already wrote when the snapshot was
// taken are left out of the snapshot: they arrive as changes.
//
// See docs/live.md for the protocol as built, its limits and its decisions.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/role.h"
#include "catalog/schema_registry.h"
#include "live/live_query_manager.h"
#include "live/subscription_query.h"

namespace kalam {

class TableStore;
class SchemaRegistry;
class LiveQueryService;

// A protocol error message: {"type": <type>, "id"?, "code", "message", "resume_from"?}
// (`type` is "error", or "auth_error" before authentication).
std::string live_error_message(std::string_view type, std::optional<std::string_view> id,
                               std::string_view code, std::string_view message,
                               std::optional<int64_t> resume_from = std::nullopt);

struct LiveServiceOptions {
  size_t max_subscriptions_per_connection = 100;
  size_t max_queued_messages = 1000;  // per connection
  std::chrono::milliseconds progress_interval{1000};
};

// One authenticated WebSocket connection as the live-query service sees it. Requests
// come from the transport's thread; messages for the client are queued here and pulled
// with next_message(). Thread-safe.
class LiveConnection : public std::enable_shared_from_this<LiveConnection> {
 public:
  const std::string& id() const { return id_; }
  const std::string& user_id() const { return user_id_; }

  // Starts a subscription; the answers (subscription_ack, initial_data, change, error …)
  // arrive as messages. `default_namespace` resolves an unqualified table name.
  void subscribe(std::string client_id, std::string sql, SubscriptionOptions options,
                 std::string default_namespace);
  void unsubscribe(std::string client_id);
  // Queues a protocol message that belongs to no subscription (pong, request errors).
  void send(std::string message);
  // The next message for the client, if any.
  std::optional<std::string> next_message();
  // The transport is gone: every subscription of the connection ends, silently.
  void closed();

  // Messages queued and not yet pulled.
  size_t queued() const;

  // ---- dispatcher side (LiveQueryService) ----
  struct Outgoing {
    std::string text;
    uint64_t subscription = 0;  // 0: not a subscription's message
    int64_t position = 0;       // resume point reached once this message is delivered (0: none)
  };

 private:
  friend class LiveQueryService;
  LiveConnection(LiveQueryService& service, std::string id, std::string user_id, Role role,
                 int64_t token_expires_at_us, std::function<void()> wake,
                 std::function<void(uint16_t, std::string)> close);

  // Queues `message`; `force` ignores the limit (control messages). Returns false when the
  // queue is full (the message is not queued).
  bool enqueue(Outgoing message, bool force);
  // Removes the queued messages of `subscription`; returns its last delivered position.
  std::optional<int64_t> drop_subscription_messages(uint64_t subscription);
  void set_position(uint64_t subscription, int64_t position);
  bool has_room();  // below half the limit: a snapshot batch may be queued (else noted: wake when it is)

  LiveQueryService& service_;
  const std::string id_;
  const std::string user_id_;
  const Role role_;
  const int64_t token_expires_at_us_;  // 0 = no expiry (password login)
  const std::function<void()> wake_;
  const std::function<void(uint16_t, std::string)> close_;
  const size_t max_queued_;

  mutable std::mutex mu_;
  std::deque<Outgoing> queue_;                       // guarded by mu_
  std::unordered_map<uint64_t, int64_t> delivered_;  // guarded by mu_
  bool closed_ = false;                              // guarded by mu_
  bool waiting_for_room_ = false;                    // guarded by mu_
};

class LiveQueryService final : public LiveQueryManager {
 public:
  // The current role of a user; nullopt when the user does not exist or was dropped.
  using RoleLookup = std::function<std::optional<Role>(const std::string& user_id)>;

  LiveQueryService(TableStore& tables, SchemaRegistry& registry, RoleLookup roles,
                   LiveServiceOptions options);
  ~LiveQueryService() override;
  LiveQueryService(const LiveQueryService&) = delete;
  LiveQueryService& operator=(const LiveQueryService&) = delete;

  Status start();
  // Ends every subscription and stops the dispatcher. Idempotent.
  void stop();

  // A new authenticated connection. `wake` (any thread) is called when the connection's
  // queue goes from empty to not empty; `close` asks the transport to close it.
  std::shared_ptr<LiveConnection> connect(std::string user_id, Role role, int64_t token_expires_at_us,
                                          std::function<void()> wake,
                                          std::function<void(uint16_t, std::string)> close);

  // ---- LiveQueryManager ----
  Result<std::string> validate_subscription(const std::string& sql, const std::string& user_id, Role role,
                                            const std::string& default_namespace) override;
  void publish(const std::vector<RowChange>& changes) override;
  bool wants_changes(uint64_t table_id, std::string_view scope) const override;
  void publish_unrecorded(const std::vector<UnrecordedWrite>& writes) override;
  std::vector<LiveQueryInfo> live_queries() const override;
  size_t count_for_table(uint64_t table_id) const override;
  Status kill(std::string_view live_id, std::string_view caller, bool any_user) override;
  void table_dropped(uint64_t table_id) override;
  void table_altered(uint64_t table_id) override;
  void user_changed(std::string_view user_id) override;

  // Figures for tests and benchmarks.
  size_t subscription_count() const;
  uint64_t changes_evaluated() const { return changes_evaluated_.load(std::memory_order_relaxed); }

  struct Sub;  // dispatcher-owned (live_service.cpp)
  struct Dispatcher;

 private:
  friend class LiveConnection;
  void post(std::function<void(Dispatcher&)> command);
  void notify_room();
  void run();

  TableStore& tables_;
  SchemaRegistry& registry_;
  const RoleLookup roles_;
  const LiveServiceOptions options_;

  std::mutex inbox_mu_;
  std::condition_variable inbox_cv_;
  struct InboxItem {
    std::vector<RowChange> changes;
    std::vector<UnrecordedWrite> unrecorded;
    std::function<void(Dispatcher&)> command;
  };
  std::deque<InboxItem> inbox_;  // guarded by inbox_mu_
  bool room_ = false;            // guarded by inbox_mu_: a connection made room
  bool stopping_ = false;        // guarded by inbox_mu_
  std::thread thread_;
  std::unique_ptr<Dispatcher> dispatcher_;

  // Table scopes with at least one subscription (table → scope → subscriptions): publish
  // copies only their changes, and writes elsewhere record none. The dispatcher adds a
  // scope before a new subscription pins its snapshot (see wants_changes).
  bool subscribed(uint64_t table_id, std::string_view scope) const;  // REQUIRES: subscribed_mu_
  mutable std::shared_mutex subscribed_mu_;
  std::unordered_map<uint64_t, NameMap<size_t>> subscribed_;  // lookups by string_view: no allocation

  // system.live rows, by live id.
  struct InfoEntry {
    LiveQueryInfo info;
    uint64_t table_id = 0;
    std::atomic<uint64_t> changes_sent{0};
    std::atomic<int64_t> last_change_at_us{0};
  };
  mutable std::mutex info_mu_;
  std::map<std::string, std::shared_ptr<InfoEntry>> info_;  // guarded by info_mu_

  std::atomic<uint64_t> next_connection_{1};
  std::atomic<uint64_t> changes_evaluated_{0};
};

}  // namespace kalam

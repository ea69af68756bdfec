// The live-query dispatcher: subscriptions, their index, snapshots, change evaluation
// and the per-connection queues (see live_service.h for the design).
#include "live/live_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "catalog/json_value.h"
#include "catalog/schema_registry.h"
#include "catalog/value_coercion.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "live/row_filter.h"
#include "sql/context/table_access.h"
#include "storage/key_encoding.h"
#include "table_store/key_layout.h"
#include "table_store/table_store.h"

namespace kalam {

namespace {

using Clock = std::chrono::steady_clock;

// Work one snapshot may do before the dispatcher turns to other subscriptions and to
// published changes: entries read from a cursor.
constexpr size_t kSnapshotEntryBudget = 2000;

int64_t unix_micros() { return now_unix_micros(); }

std::string quoted_seq(int64_t seq) { return "\"" + std::to_string(seq) + "\""; }

std::string error_message(std::string_view id, std::string_view code, std::string_view message,
                          std::optional<int64_t> resume_from = std::nullopt) {
  return live_error_message("error", id, code, message, resume_from);
}

std::string status_message(std::string_view id, const Status& status) {
  return error_message(id, error_code_name(status.code()), status.message());
}

// Who may subscribe as whom (EXECUTE AS USER, model.md): a user only as itself, a service
// as users and services, a dba as anyone but system, system as anyone.
Status check_execute_as(Role role, const std::string& user_id, const std::string& target,
                        const LiveQueryService::RoleLookup& roles) {
  if (target == user_id || role == Role::kSystem) return Status::ok();
  std::optional<Role> target_role = roles(target);
  Role effective = target_role.value_or(Role::kUser);
  bool allowed = (role == Role::kService && (effective == Role::kUser || effective == Role::kService)) ||
                 (role == Role::kDba && effective != Role::kSystem);
  if (!allowed) {
    return Status(ErrorCode::kAuthInsufficientRole,
                  "EXECUTE AS USER '" + target + "' is not allowed for role " + std::string(role_name(role)));
  }
  return Status::ok();
}

}  // namespace

std::string live_error_message(std::string_view type, std::optional<std::string_view> id,
                               std::string_view code, std::string_view message,
                               std::optional<int64_t> resume_from) {
  std::string out = "{\"type\":";
  append_json_string(out, type);
  if (id) {
    out += ",\"id\":";
    append_json_string(out, *id);
  }
  out += ",\"code\":";
  append_json_string(out, code);
  out += ",\"message\":";
  append_json_string(out, message);
  if (resume_from) out += ",\"resume_from\":" + quoted_seq(*resume_from);
  out += '}';
  return out;
}

// ---------------------------------------------------------------------------------------
// Subscriptions

struct LiveQueryService::Sub {
  enum class Phase : uint8_t { kSnapshot, kLive };
  enum class Mode : uint8_t { kAll, kLastRows, kFrom };

  uint64_t number = 0;
  bool ended = false;  // removed; freed after the current inbox item (graveyard)
  std::string live_id;
  std::string client_id;
  std::shared_ptr<LiveConnection> connection;
  std::string user_id;
  Role role = Role::kUser;
  std::string effective_user;
  std::shared_ptr<const TableSchema> schema;
  ScopeRef ref;
  std::unique_ptr<RowFilter> filter;
  SubscriptionOptions options;
  uint64_t batch_size = SubscriptionOptions::kDefaultBatchSize;
  std::shared_ptr<InfoEntry> info;

  // What is sent: positions in RowValues (current columns, then _seq) and their JSON names/types.
  std::vector<size_t> projection;
  std::vector<std::string> names;  // JSON-quoted, with the colon: "\"id\":"
  std::vector<DataType> types;

  Phase phase = Phase::kSnapshot;
  Mode mode = Mode::kAll;
  int64_t start_seq = 0;  // V: the snapshot's settled point
  // Snapshot (or `from` history) reading.
  ReadView view;
  std::unique_ptr<RowCursor> cursor;
  // Row versions sent ahead of their change events (rows read back after unrecorded
  // writes): row key → _seq sent; events up to it are dropped.
  std::unordered_map<std::string, int64_t> sent_ahead;
  int64_t max_sent_ahead = 0;
  std::vector<RowChange> buffered;                         // changes published while the snapshot is read
  std::vector<std::string> batch;                          // encoded rows of the next initial_data message
  std::vector<std::pair<int64_t, std::string>> last_rows;  // kLastRows: newest first
  bool rows_collected = false;
  uint64_t batch_number = 0;
  bool batch_full = false;
  // `from` history: the change message being filled.
  std::string history_kind;
  std::vector<std::string> history_rows;
  int64_t history_seq = 0;

  // Live.
  int64_t position = 0;  // the last resume point queued
  Clock::time_point last_sent = Clock::now();
  std::optional<std::string> eq_column;
  std::vector<std::string> eq_keys;
};

// Everything the dispatcher thread owns.
struct LiveQueryService::Dispatcher {
  LiveQueryService& service;
  std::unique_ptr<FilterEngine> filters;
  std::unordered_map<uint64_t, std::unique_ptr<Sub>> subs;
  // By connection: client id → subscription number.
  std::unordered_map<LiveConnection*, std::unordered_map<std::string, uint64_t>> by_connection;
  std::unordered_map<LiveConnection*, std::shared_ptr<LiveConnection>> connections;
  struct ScopeSubs {
    std::vector<Sub*> unindexed;
    std::map<std::string, std::unordered_map<std::string, std::vector<Sub*>>>
        by_equality;  // column → key → subs
    size_t size = 0;
    int64_t last_change_seq = 0;  // the newest change published for this table scope
  };

  // A quiet subscription whose scope had no change since its resume point needs no new
  // one (resuming from it reads nothing): it gets a progress message only this rarely.
  static constexpr int kIdleProgressFactor = 60;
  std::unordered_map<uint64_t, std::unordered_map<std::string, ScopeSubs>> index;
  uint64_t next_sub = 1;
  uint64_t stamp = 0;
  std::unordered_map<Sub*, uint64_t> seen;  // per change: candidates already evaluated
  // Ended subscriptions, freed once nothing of the current step can still point to them.
  std::vector<std::unique_ptr<Sub>> graveyard;

  explicit Dispatcher(LiveQueryService& owner) : service(owner) {}

  const LiveServiceOptions& options() const { return service.options_; }

  // ---- messages ----

  void append_row(std::string& out, const Sub& sub, const RowValues& values,
                  std::optional<int64_t> seq) const {
    out += '{';
    for (size_t idx = 0; idx < sub.projection.size(); ++idx) {
      if (idx != 0) out += ',';
      out += sub.names[idx];
      size_t position = sub.projection[idx];
      if (position + 1 == values.size() && seq) {  // _seq, replaced by the change's
        out += quoted_seq(*seq);
      } else if (position < values.size()) {
        append_json_value(out, values[position], sub.types[idx]);
      } else {
        out += "null";
      }
    }
    out += '}';
  }

  std::string message_head(std::string_view type, const Sub& sub) const {
    std::string out = "{\"type\":\"";
    out += type;
    out += "\",\"id\":";
    append_json_string(out, sub.client_id);
    return out;
  }

  // ---- row values ----

  RowValues values_of(const Sub& sub, const StoredRow& row) const {
    RowValues values;
    const auto& columns = sub.schema->current().columns;
    values.reserve(columns.size() + 1);
    for (const ColumnDef& column : columns)
      values.push_back(TableStore::column_value(*sub.schema, row, column));
    values.emplace_back(row.seq);
    return values;
  }

  // A tombstone whose cells went to a cold segment: its primary key from its row key.
  void key_values_into(const Sub& sub, std::string_view key, RowValues& values) const {
    auto parts = split_row_key(key);
    if (!parts.is_ok()) return;
    KeyDecoder decoder(pk_suffix(key, parts.value().scope_prefix_size));
    const auto& columns = sub.schema->current().columns;
    for (const ColumnDef* pk : sub.schema->primary_key()) {
      auto type = decoder.peek_type();
      if (!type.is_ok()) return;
      Value stored;
      switch (type.value()) {
        case KeyType::kNull:
          if (!decoder.read_null().is_ok()) return;
          break;
        case KeyType::kBool: {
          auto value = decoder.read_bool();
          if (!value.is_ok()) return;
          stored = Value(value.value());
          break;
        }
        case KeyType::kInt64: {
          auto value = decoder.read_int64();
          if (!value.is_ok()) return;
          stored = Value(value.value());
          break;
        }
        case KeyType::kDouble: {
          auto value = decoder.read_double();
          if (!value.is_ok()) return;
          stored = Value(value.value());
          break;
        }
        case KeyType::kString:
        case KeyType::kBytes: {
          auto value = type.value() == KeyType::kString ? decoder.read_string() : decoder.read_bytes();
          if (!value.is_ok()) return;
          stored = Value(std::move(value).value());
          break;
        }
      }
      for (size_t idx = 0; idx < columns.size(); ++idx) {
        if (columns[idx].column_id == pk->column_id) values[idx] = to_sql_value(stored, columns[idx]);
      }
    }
  }

  static RowValues values_of(const Sub& sub, const std::vector<std::pair<std::string, Value>>& named) {
    RowValues values;
    const auto& columns = sub.schema->current().columns;
    values.reserve(columns.size() + 1);
    for (size_t idx = 0; idx < columns.size(); ++idx) {
      if (idx < named.size() && named[idx].first == columns[idx].name) {
        values.push_back(named[idx].second);
        continue;
      }
      auto it = std::find_if(named.begin(), named.end(),
                             [&](const auto& entry) { return entry.first == columns[idx].name; });
      values.push_back(it == named.end() ? Value() : it->second);
    }
    auto seq =
        std::find_if(named.rbegin(), named.rend(), [](const auto& entry) { return entry.first == "_seq"; });
    values.push_back(seq == named.rend() ? Value() : seq->second);
    return values;
  }

  bool matches(Sub& sub, const RowValues& values) {
    service.changes_evaluated_.fetch_add(1, std::memory_order_relaxed);
    return sub.filter == nullptr || sub.filter->matches(values);
  }

  // ---- queueing ----

  // Queues a message of `sub`; on a full queue the subscription overflows (and ends).
  // Returns false when the subscription ended.
  bool send_change(Sub& sub, std::string text, int64_t position) {
    LiveConnection::Outgoing out{std::move(text), sub.number, position};
    if (!sub.connection->enqueue(std::move(out), false)) {
      overflow(sub);
      return false;
    }
    if (position > 0) sub.position = position;
    sub.last_sent = Clock::now();
    return true;
  }

  void overflow(Sub& sub) {
    std::optional<int64_t> resume = sub.connection->drop_subscription_messages(sub.number);
    spdlog::info("live: subscription {} of {} overflowed its connection queue", sub.live_id, sub.user_id);
    end(sub, "OVERFLOW",
        "the client did not read fast enough: the subscription ended; resubscribe with from = resume_from",
        resume);
  }

  // Ends `sub` with an error message (none when `code` is empty).
  void end(Sub& sub, std::string_view code, std::string_view message,
           std::optional<int64_t> resume = std::nullopt) {
    if (!code.empty()) {
      sub.connection->enqueue({error_message(sub.client_id, code, message, resume), 0, 0}, true);
    }
    remove(sub.number);
  }

  // The subscriptions `pred` accepts (they stay valid while the current step ends them).
  std::vector<Sub*> select(const std::function<bool(const Sub&)>& pred) const {
    std::vector<Sub*> out;
    for (const auto& [number, sub] : subs) {
      if (pred(*sub)) out.push_back(sub.get());
    }
    return out;
  }

  void remove(uint64_t number) {
    auto it = subs.find(number);
    if (it == subs.end()) return;
    Sub& sub = *it->second;
    unindex(sub);
    auto conn = by_connection.find(sub.connection.get());
    if (conn != by_connection.end()) conn->second.erase(sub.client_id);
    {
      std::lock_guard<std::mutex> lock(service.info_mu_);
      service.info_.erase(sub.live_id);
    }
    sub.ended = true;
    graveyard.push_back(std::move(it->second));
    subs.erase(it);
  }

  // ---- the index ----

  void add_to_index(Sub& sub) {
    ScopeSubs& scope = index[sub.schema->table_id][sub.ref.scope];
    if (sub.filter != nullptr && sub.filter->equality()) {
      const auto& equality = *sub.filter->equality();
      sub.eq_column = equality.column;
      sub.eq_keys = equality.keys;
      auto& by_key = scope.by_equality[equality.column];
      for (const std::string& key : equality.keys) by_key[key].push_back(&sub);
    } else {
      scope.unindexed.push_back(&sub);
    }
    ++scope.size;
    std::unique_lock<std::shared_mutex> lock(service.subscribed_mu_);
    ++service.subscribed_[sub.schema->table_id][sub.ref.scope];
  }

  void unindex(Sub& sub) {
    auto table = index.find(sub.schema->table_id);
    if (table == index.end()) return;
    auto scope = table->second.find(sub.ref.scope);
    if (scope == table->second.end()) return;
    auto erase_from = [&](std::vector<Sub*>& list) {
      list.erase(std::remove(list.begin(), list.end(), &sub), list.end());
    };
    if (sub.eq_column) {
      auto& by_key = scope->second.by_equality[*sub.eq_column];
      for (const std::string& key : sub.eq_keys) {
        auto it = by_key.find(key);
        if (it == by_key.end()) continue;
        erase_from(it->second);
        if (it->second.empty()) by_key.erase(it);
      }
      if (by_key.empty()) scope->second.by_equality.erase(*sub.eq_column);
    } else {
      erase_from(scope->second.unindexed);
    }
    if (--scope->second.size == 0) table->second.erase(scope);
    if (table->second.empty()) index.erase(table);
    std::unique_lock<std::shared_mutex> lock(service.subscribed_mu_);
    auto subscribed = service.subscribed_.find(sub.schema->table_id);
    if (subscribed == service.subscribed_.end()) return;
    auto count = subscribed->second.find(sub.ref.scope);
    if (count != subscribed->second.end() && --count->second == 0) subscribed->second.erase(count);
    if (subscribed->second.empty()) service.subscribed_.erase(subscribed);
  }

  const ScopeSubs* find_scope(uint64_t table_id, const std::string& scope) const {
    auto table = index.find(table_id);
    if (table == index.end()) return nullptr;
    auto found = table->second.find(scope);
    return found == table->second.end() ? nullptr : &found->second;
  }

  // The subscriptions a change may concern: the scope's unindexed ones, and those whose
  // equality matches the old or new value.
  void candidates(const RowChange& change, std::vector<Sub*>& out) {
    out.clear();
    auto table = index.find(change.table_id);
    if (table == index.end()) return;
    auto scope = table->second.find(change.scope);
    if (scope == table->second.end()) return;
    scope->second.last_change_seq = std::max(scope->second.last_change_seq, change.seq);
    out.insert(out.end(), scope->second.unindexed.begin(), scope->second.unindexed.end());
    if (scope->second.by_equality.empty()) return;
    ++stamp;
    for (const auto& [column, by_key] : scope->second.by_equality) {
      for (const auto* values : {&change.old_values, &change.new_values}) {
        auto it = std::find_if(values->begin(), values->end(),
                               [&](const auto& entry) { return entry.first == column; });
        if (it == values->end()) continue;
        // The column's values are of the kind its subscriptions were indexed with.
        std::optional<std::string> key = value_index_key(it->second);
        if (!key) continue;
        auto found = by_key.find(*key);
        if (found == by_key.end()) continue;
        for (Sub* sub : found->second) {
          uint64_t& last = seen[sub];
          if (last == stamp) continue;
          last = stamp;
          out.push_back(sub);
        }
      }
    }
  }

  // ---- changes ----

  void on_changes(const std::vector<RowChange>& changes) {
    std::vector<Sub*> targets;
    for (const RowChange& change : changes) {
      candidates(change, targets);
      for (Sub* sub : targets) {
        if (sub->ended) continue;  // ended by an earlier change of this batch
        if (sub->phase == Sub::Phase::kSnapshot) {
          if (change.seq <= sub->start_seq) continue;
          if (sub->buffered.size() >= options().max_queued_messages) {
            // The client has no complete snapshot yet: no resume point to offer.
            end(*sub, "OVERFLOW", "too many changes while the initial data was read; resubscribe");
            continue;
          }
          sub->buffered.push_back(change);
          continue;
        }
        deliver(*sub, change);
      }
    }
    seen.clear();
  }

  // Writes committed without change events while a subscription to their table started
  // (a race the statement could not see): each subscription of the row's scope reads the
  // row as it is now and treats it as a change whose earlier state is unknown.
  void on_unrecorded(const std::vector<UnrecordedWrite>& writes) {
    ReadView latest;
    latest.now_us = unix_micros();
    for (const UnrecordedWrite& write : writes) {
      auto parts = split_row_key(write.key);
      if (!parts.is_ok()) continue;
      auto table = index.find(write.table_id);
      if (table == index.end()) continue;
      auto scope = table->second.find(parts.value().scope);
      if (scope == table->second.end()) continue;
      scope->second.last_change_seq = std::max(scope->second.last_change_seq, write.seq);
      std::vector<Sub*> targets(scope->second.unindexed.begin(), scope->second.unindexed.end());
      for (const auto& [column, by_key] : scope->second.by_equality) {
        for (const auto& [key, list] : by_key) targets.insert(targets.end(), list.begin(), list.end());
      }
      std::sort(targets.begin(), targets.end());
      targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
      for (Sub* sub : targets) {
        if (sub->ended || write.seq <= sub->start_seq) continue;
        auto row = service.tables_.get(latest, sub->ref, write.key);
        if (!row.is_ok()) continue;
        RowChange change;
        change.table_id = write.table_id;
        change.scope = parts.value().scope;
        change.key = write.key;
        change.coalesced = true;
        change.kind = ChangeKind::kUpdate;
        change.seq = write.seq;
        const std::optional<StoredRow>& stored = row.value();
        bool gone = !stored || stored->deleted ||
                    (sub->schema->table_type == TableType::kStream &&
                     stream_row_expired(sub->schema->options.ttl_seconds, *stored, latest.now_us));
        RowValues values;
        if (stored) {
          values = values_of(*sub, *stored);
          change.seq = std::max(write.seq, stored->seq);
          if (stored->deleted && stored->cells.empty()) key_values_into(*sub, write.key, values);
        } else {
          values.assign(sub->schema->current().columns.size() + 1, Value());
          key_values_into(*sub, write.key, values);
          values.back() = Value(write.seq);
        }
        const auto& columns = sub->schema->current().columns;
        auto& named = gone ? change.old_values : change.new_values;
        for (size_t idx = 0; idx < columns.size(); ++idx) named.emplace_back(columns[idx].name, values[idx]);
        named.emplace_back("_seq", Value(change.seq));
        if (sub->phase == Sub::Phase::kSnapshot) {
          sub->buffered.push_back(std::move(change));
        } else {
          deliver(*sub, change);
        }
      }
    }
  }

  // One change to a live subscription (live.md § Subscribing, 3).
  void deliver(Sub& sub, const RowChange& change) {
    if (change.seq <= sub.start_seq) return;  // in the snapshot
    if (!sub.sent_ahead.empty()) {
      if (change.seq > sub.max_sent_ahead) {
        sub.sent_ahead.clear();
      } else if (auto it = sub.sent_ahead.find(change.key);
                 it != sub.sent_ahead.end() && it->second >= change.seq) {
        return;  // this version (or a later one) was sent already
      }
    }
    if (change.coalesced) return deliver_coalesced(sub, change);
    bool had_old = !change.old_values.empty() && change.kind != ChangeKind::kInsert;
    bool has_new = !change.new_values.empty() && change.kind != ChangeKind::kDelete;
    RowValues old_values, new_values;
    bool old_match = false, new_match = false;
    if (had_old) {
      old_values = values_of(sub, change.old_values);
      old_match = matches(sub, old_values);
    }
    if (has_new) {
      new_values = values_of(sub, change.new_values);
      new_match = matches(sub, new_values);
    }
    if (old_match && new_match && !same_key(sub, old_values, new_values)) {
      // The primary key changed: for the client, the old row went and a new one came.
      send_one(sub, "delete", old_values, &old_values, change.seq);
      if (!sub.ended) send_one(sub, "insert", new_values, nullptr, change.seq);
      return;
    }
    const char* kind = nullptr;
    if (old_match && new_match) {
      kind = "update";
    } else if (new_match) {
      kind = "insert";
    } else if (old_match) {
      kind = "delete";
    } else {
      return;
    }
    // A delete (also an update out of the filter) names the row the client has: its old
    // values, with the change's _seq; old_values say the same.
    bool is_delete = !new_match;
    const RowValues& row = is_delete ? old_values : new_values;
    send_one(sub, kind, row, had_old ? &old_values : nullptr, change.seq);
  }

  // A row read after an unrecorded write: matching → update (the client upserts it),
  // else → delete (harmless when the client did not have it). Later events of versions up
  // to the one read are dropped.
  void deliver_coalesced(Sub& sub, const RowChange& change) {
    bool gone = change.new_values.empty();
    RowValues values = values_of(sub, gone ? change.old_values : change.new_values);
    bool match = !gone && matches(sub, values);
    sub.sent_ahead[change.key] = change.seq;
    sub.max_sent_ahead = std::max(sub.max_sent_ahead, change.seq);
    send_one(sub, match ? "update" : "delete", values, nullptr, change.seq);
  }

  bool same_key(const Sub& sub, const RowValues& a, const RowValues& b) const {
    const auto& columns = sub.schema->current().columns;
    for (size_t idx = 0; idx < columns.size() && idx < a.size() && idx < b.size(); ++idx) {
      if (columns[idx].pk_position >= 0 && a[idx] != b[idx]) return false;
    }
    return true;
  }

  // A change message of one row (`old_values` when given).
  void send_one(Sub& sub, const char* kind, const RowValues& row, const RowValues* old_values, int64_t seq) {
    std::string out = message_head("change", sub);
    out += ",\"change_type\":\"";
    out += kind;
    out += "\",\"rows\":[";
    append_row(out, sub, row, seq);
    out += "]";
    if (old_values != nullptr) {
      out += ",\"old_values\":[";
      append_row(out, sub, *old_values, std::nullopt);
      out += "]";
    }
    out += ",\"seq\":" + quoted_seq(seq) + "}";
    if (send_change(sub, std::move(out), seq)) {
      sub.info->changes_sent.fetch_add(1, std::memory_order_relaxed);
      sub.info->last_change_at_us.store(unix_micros(), std::memory_order_relaxed);
    }
  }

  // ---- subscribing ----

  struct Resolved {
    std::shared_ptr<const TableSchema> schema;
    SubscriptionQuery query;
    std::string effective_user;
  };

  Result<Resolved> resolve(const std::string& sql, const std::string& user_id, Role role,
                           const std::string& default_namespace) {
    Resolved resolved;
    KALAM_ASSIGN_OR_RETURN(resolved.query, parse_subscription(sql));
    const SubscriptionQuery& query = resolved.query;
    std::string ns = query.namespace_id.value_or(default_namespace);
    std::string written = (query.namespace_id ? *query.namespace_id + "." : std::string()) + query.table_name;
    if (ns.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "table " + written + " has no namespace: write ns.table or give namespace_id")
          .with_detail("argument", std::string("namespace_id"));
    }
    auto catalog = service.registry_.snapshot();
    const TableDef* def = catalog->find_table(ns, query.table_name);
    if (def == nullptr || !def->schema || !may_read_table(*def->schema, role)) {
      if (def != nullptr && def->schema == nullptr)
        return Status(ErrorCode::kUnsupported, "a live query cannot read a view");
      return Status(ErrorCode::kNotFoundTable, "Table '" + ns + "." + query.table_name + "' not found")
          .with_detail("name", ns + "." + query.table_name);
    }
    resolved.schema = def->schema;
    resolved.effective_user = user_id;
    if (query.execute_as) {
      KALAM_RETURN_IF_ERROR(check_execute_as(role, user_id, *query.execute_as, service.roles_));
      resolved.effective_user = *query.execute_as;
    }
    for (const std::string& column : query.columns) {
      if (column != "_seq" && resolved.schema->find_column(column) == nullptr) {
        return Status(ErrorCode::kInvalidSqlSyntax, "no such column: " + column)
            .with_detail("column_name", column);
      }
    }
    return resolved;
  }

  void subscribe(const std::shared_ptr<LiveConnection>& connection, std::string client_id,
                 const std::string& sql, SubscriptionOptions options, const std::string& default_namespace) {
    auto fail = [&](const Status& status) {
      connection->enqueue({status_message(client_id, status), 0, 0}, true);
    };
    if (connections.count(connection.get()) == 0) return;  // closed meanwhile
    auto& mine = by_connection[connection.get()];
    if (mine.count(client_id) != 0) {
      return fail(Status(ErrorCode::kInvalidArgument, "subscription id '" + client_id + "' is already in use")
                      .with_detail("argument", std::string("id")));
    }
    if (mine.size() >= this->options().max_subscriptions_per_connection) {
      return fail(Status(ErrorCode::kResourceLimitExceeded,
                         "at most " + std::to_string(this->options().max_subscriptions_per_connection) +
                             " subscriptions per connection")
                      .with_detail("limit", std::string("max_subscriptions_per_connection")));
    }
    // The role as it is now (it may have changed since the connection authenticated).
    std::optional<Role> role = service.roles_(connection->user_id_);
    if (!role) return fail(Status(ErrorCode::kAuthInsufficientRole, "the user no longer exists"));
    auto resolved = resolve(sql, connection->user_id_, *role, default_namespace);
    if (!resolved.is_ok()) return fail(resolved.status());
    Resolved& r = resolved.value();
    r.query.options.merge(options);
    if (Status valid = r.query.options.validate(); !valid.is_ok()) return fail(valid);
    auto filter = filters->compile(r.schema, r.query.where);
    if (!filter.is_ok()) return fail(filter.status());

    auto sub = std::make_unique<Sub>();
    sub->number = next_sub++;
    sub->live_id = connection->id() + "-" + std::to_string(sub->number);
    sub->client_id = client_id;
    sub->connection = connection;
    sub->user_id = connection->user_id_;
    sub->role = *role;
    sub->effective_user = r.effective_user;
    sub->schema = r.schema;
    sub->ref = ScopeRef::of(r.schema, r.effective_user);
    sub->filter = std::move(filter).value();
    sub->options = r.query.options;
    sub->batch_size = sub->options.batch_size.value_or(SubscriptionOptions::kDefaultBatchSize);
    sub->mode = sub->options.from        ? Sub::Mode::kFrom
                : sub->options.last_rows ? Sub::Mode::kLastRows
                                         : Sub::Mode::kAll;

    // The projection: the columns asked for (all when none), the primary key, _seq.
    const auto& columns = r.schema->current().columns;
    std::vector<std::string> wanted = r.query.columns;
    if (wanted.empty()) {
      for (const ColumnDef& column : columns) wanted.push_back(column.name);
    }
    for (const ColumnDef* key : r.schema->primary_key()) {
      if (std::find(wanted.begin(), wanted.end(), key->name) == wanted.end()) wanted.push_back(key->name);
    }
    if (std::find(wanted.begin(), wanted.end(), "_seq") == wanted.end()) wanted.push_back("_seq");
    for (const std::string& name : wanted) {
      size_t position = columns.size();
      DataType type = DataType::kBigInt;
      for (size_t idx = 0; idx < columns.size(); ++idx) {
        if (columns[idx].name == name) {
          position = idx;
          type = columns[idx].type;
        }
      }
      sub->projection.push_back(position);
      sub->types.push_back(type);
      std::string quoted;
      append_json_string(quoted, name);
      sub->names.push_back(quoted + ":");
    }

    // `from`: is the history since then still there (tombstones are purged after the
    // table's deleted_retention_hours)?
    if (sub->options.from) {
      int64_t from_ms = snowflake_unix_ms(*sub->options.from);
      int64_t horizon_ms = unix_micros() / 1000 - r.schema->options.deleted_retention_hours * 3'600'000;
      if (from_ms < horizon_ms) {
        connection->enqueue(
            {error_message(client_id, "RESUME_UNAVAILABLE",
                           "the history since this _seq is no longer kept (deleted_retention_hours = " +
                               std::to_string(r.schema->options.deleted_retention_hours) +
                               "): resubscribe without from"),
             0, 0},
            true);
        return;
      }
    }

    auto info = std::make_shared<InfoEntry>();
    info->table_id = r.schema->table_id;
    info->info.live_id = sub->live_id;
    info->info.connection_id = connection->id();
    info->info.subscription_id = client_id;
    info->info.user_id = sub->user_id;
    info->info.effective_user_id = sub->effective_user;
    info->info.namespace_id = r.schema->namespace_id;
    info->info.table_name = r.schema->table_name;
    info->info.query = sql;
    info->info.options = sub->options.to_json();
    info->info.created_at_us = unix_micros();
    sub->info = info;

    // Register, then pin: every change published from here on reaches the subscription,
    // and every one published before is in the snapshot.
    Sub& registered = *sub;
    subs.emplace(registered.number, std::move(sub));
    mine.emplace(client_id, registered.number);
    add_to_index(registered);
    {
      std::lock_guard<std::mutex> lock(service.info_mu_);
      service.info_[registered.live_id] = info;
    }
    registered.view.now_us = unix_micros();
    service.tables_.pin(registered.view);
    registered.start_seq = registered.view.visible_seq;
    // The history (`from`) reads every row changed since `from` that the snapshot holds,
    // also those a commit above V changed: a client's state of a row is unknown, so the
    // row is sent as it is, and its older events dropped (sent_ahead).
    if (registered.mode == Sub::Mode::kFrom) registered.view.visible_seq = INT64_MAX;
    registered.position = registered.mode == Sub::Mode::kFrom ? *registered.options.from : 0;
    if (registered.position > 0) connection->set_position(registered.number, registered.position);

    ScanSpec spec;
    spec.include_deleted = registered.mode != Sub::Mode::kLastRows;
    if (registered.mode == Sub::Mode::kFrom) {
      spec.access = ScanSpec::Access::kSeq;
      spec.lower = ScanBound{Value(*registered.options.from), false};
    } else if (registered.mode == Sub::Mode::kLastRows) {
      spec.access = ScanSpec::Access::kSeq;
      spec.reverse = true;
    }
    auto cursor = service.tables_.open_cursor(registered.view, registered.ref, spec);
    if (!cursor.is_ok()) {
      Status status = cursor.status();
      end(registered, error_code_name(status.code()), status.message());
      return;
    }
    registered.cursor = std::move(cursor).value();

    std::string ack = message_head("subscription_ack", registered);
    ack += ",\"live_id\":";
    append_json_string(ack, registered.live_id);
    ack += ",\"schema\":[";
    for (size_t idx = 0; idx < wanted.size(); ++idx) {
      if (idx != 0) ack += ',';
      ack += "{\"name\":";
      append_json_string(ack, wanted[idx]);
      ack += ",\"data_type\":";
      append_json_string(ack, data_type_name(registered.types[idx]));
      ack += ",\"index\":" + std::to_string(idx) + "}";
    }
    ack += "]}";
    connection->enqueue({std::move(ack), registered.number, 0}, true);
  }

  // ---- snapshots ----

  void emit_batch(Sub& sub, bool has_more) {
    std::string out = message_head("initial_data", sub);
    out += ",\"rows\":[";
    for (size_t idx = 0; idx < sub.batch.size(); ++idx) {
      if (idx != 0) out += ',';
      out += sub.batch[idx];
    }
    out += "],\"batch\":" + std::to_string(sub.batch_number++);
    out += has_more ? ",\"has_more\":true" : ",\"has_more\":false";
    out += ",\"last_seq\":" + quoted_seq(sub.start_seq) + "}";
    sub.batch.clear();
    sub.batch_full = false;
    // Snapshot batches wait for room (has_room) rather than overflow.
    sub.connection->enqueue({std::move(out), sub.number, has_more ? 0 : sub.start_seq}, true);
    if (!has_more) sub.position = sub.start_seq;
    sub.last_sent = Clock::now();
  }

  void flush_history(Sub& sub) {
    if (sub.history_rows.empty()) return;
    std::string out = message_head("change", sub);
    out += ",\"change_type\":\"" + sub.history_kind + "\",\"rows\":[";
    for (size_t idx = 0; idx < sub.history_rows.size(); ++idx) {
      if (idx != 0) out += ',';
      out += sub.history_rows[idx];
    }
    out += "],\"seq\":" + quoted_seq(sub.history_seq) + "}";
    sub.history_rows.clear();
    // A resume point only up to V: a commit above V may not be in the history's snapshot.
    int64_t position = std::min(sub.history_seq, sub.start_seq);
    sub.connection->enqueue({std::move(out), sub.number, position}, true);
    sub.position = position;
    sub.info->changes_sent.fetch_add(1, std::memory_order_relaxed);
    sub.last_sent = Clock::now();
  }

  // The snapshot (or history) is sent: deliver what was published meanwhile, go live.
  void finish_snapshot(Sub& sub) {
    sub.cursor.reset();
    sub.view = ReadView{};
    sub.phase = Sub::Phase::kLive;
    sub.last_rows.clear();
    sub.last_rows.shrink_to_fit();
    if (sub.mode == Sub::Mode::kFrom) {
      // The history reached V: tell the client its resume point.
      std::string out = message_head("progress", sub) + ",\"seq\":" + quoted_seq(sub.start_seq) + "}";
      sub.connection->enqueue({std::move(out), sub.number, sub.start_seq}, true);
      sub.position = sub.start_seq;
    }
    std::vector<RowChange> buffered = std::move(sub.buffered);
    for (const RowChange& change : buffered) {
      if (sub.ended) return;
      deliver(sub, change);
    }
  }

  // Advances one snapshot by at most kSnapshotEntryBudget entries or one message.
  // Returns true when it has more to do.
  bool pump_snapshot(Sub& sub) {
    if (!sub.connection->has_room()) return false;  // woken again when the client reads
    size_t budget = kSnapshotEntryBudget;
    const int64_t ttl = sub.schema->options.ttl_seconds;
    const bool stream = sub.schema->table_type == TableType::kStream;
    if (sub.mode == Sub::Mode::kLastRows && sub.rows_collected) {
      // Emit the collected rows, oldest first.
      while (!sub.last_rows.empty() && sub.batch.size() < sub.batch_size) {
        sub.batch.push_back(std::move(sub.last_rows.back().second));
        sub.last_rows.pop_back();
      }
      emit_batch(sub, !sub.last_rows.empty());
      if (sub.last_rows.empty()) finish_snapshot(sub);
      return !sub.ended && sub.phase == Sub::Phase::kSnapshot;
    }
    while (budget-- > 0) {
      if (!sub.cursor->valid()) {
        if (sub.mode == Sub::Mode::kAll) {
          emit_batch(sub, false);
          finish_snapshot(sub);
        } else if (sub.mode == Sub::Mode::kLastRows) {
          sub.rows_collected = true;
          return true;
        } else {
          flush_history(sub);
          finish_snapshot(sub);
        }
        return false;
      }
      const StoredRow& row = sub.cursor->row();
      const std::string& key = sub.cursor->key();
      if (row.seq > sub.start_seq) {
        if (sub.mode == Sub::Mode::kFrom) {
          // The history shows this row as it is, newer than V: its change events up to
          // this version are dropped when they arrive.
          sub.sent_ahead[key] = row.seq;
          sub.max_sent_ahead = std::max(sub.max_sent_ahead, row.seq);
        } else {
          // Written by a commit after V that was on disk when the snapshot was taken: its
          // change arrives as a message, so the snapshot leaves it out (never both).
          Status status = sub.cursor->next();
          if (!status.is_ok()) return fail_snapshot(sub, status);
          continue;
        }
      }
      bool expired = stream && stream_row_expired(ttl, row, sub.view.now_us);
      if (sub.mode == Sub::Mode::kFrom) {
        // Every row changed since `from`, as it is now: matching → update (the client
        // upserts it); deleted or no longer matching → delete.
        RowValues values = values_of(sub, row);
        if (row.deleted && row.cells.empty()) key_values_into(sub, key, values);
        bool live = !row.deleted && !expired;
        bool match = matches(sub, values);
        // The client's version of the row is unknown (it may be older than `from`): a
        // row gone or no longer matching is a delete, whatever its last values were.
        const char* kind = live && match ? "update" : "delete";
        if (sub.history_kind != kind || sub.history_rows.size() >= sub.batch_size) {
          flush_history(sub);
          sub.history_kind = kind;
        }
        std::string encoded;
        append_row(encoded, sub, values, row.seq);
        sub.history_rows.push_back(std::move(encoded));
        sub.history_seq = row.seq;
        if (sub.history_rows.size() >= sub.batch_size) {
          flush_history(sub);
          Status status = sub.cursor->next();
          if (!status.is_ok()) return fail_snapshot(sub, status);
          return true;
        }
      } else if (!row.deleted && !expired) {
        RowValues values = values_of(sub, row);
        if (matches(sub, values)) {
          std::string encoded;
          append_row(encoded, sub, values, std::nullopt);
          if (sub.mode == Sub::Mode::kLastRows) {
            sub.last_rows.emplace_back(row.seq, std::move(encoded));
            if (sub.last_rows.size() >= *sub.options.last_rows) {
              sub.rows_collected = true;
              return true;
            }
          } else {
            if (sub.batch_full) {
              emit_batch(sub, true);  // a row after a full batch: it had more
              sub.batch.push_back(std::move(encoded));
              Status status = sub.cursor->next();
              if (!status.is_ok()) return fail_snapshot(sub, status);
              return true;
            }
            sub.batch.push_back(std::move(encoded));
            if (sub.batch.size() >= sub.batch_size) sub.batch_full = true;
          }
        }
      }
      Status status = sub.cursor->next();
      if (!status.is_ok()) return fail_snapshot(sub, status);
    }
    return true;
  }

  bool fail_snapshot(Sub& sub, const Status& status) {
    spdlog::warn("live: reading the snapshot of {} failed: {}", sub.live_id, status.to_string());
    end(sub, error_code_name(status.code()), status.message());
    return false;
  }

  // Gives every subscription still reading its snapshot a turn. Returns true when some
  // have more to do and room to do it.
  bool pump_snapshots() {
    std::vector<uint64_t> reading;
    for (const auto& [number, sub] : subs) {
      if (sub->phase == Sub::Phase::kSnapshot) reading.push_back(number);
    }
    bool more = false;
    for (uint64_t number : reading) {
      auto it = subs.find(number);
      if (it == subs.end()) continue;
      Sub& sub = *it->second;
      if (pump_snapshot(sub) && !sub.ended && sub.connection->has_room()) more = true;
    }
    return more;
  }

  // ---- periodic work ----

  // `settled`: the commit sequence's settled point read before the inbox was drained.
  void progress(int64_t settled, Clock::time_point now) {
    int64_t now_us = unix_micros();
    std::vector<std::shared_ptr<LiveConnection>> expired;
    for (const auto& [raw, connection] : connections) {
      if (connection->token_expires_at_us_ > 0 && now_us >= connection->token_expires_at_us_) {
        expired.push_back(connection);
      }
    }
    for (const auto& connection : expired) {
      end_connection(*connection, "TOKEN_EXPIRED", "the access token expired");
      connection->close_(1008, "token expired");
      connections.erase(connection.get());
    }
    const auto interval = options().progress_interval;
    for (auto& [number, sub] : subs) {
      if (sub->phase != Sub::Phase::kLive || settled <= sub->position) continue;
      if (now - sub->last_sent < interval) continue;
      // Changes in the scope that did not match: the resume point must move past them.
      // Otherwise only now and then (a resume point older than the kept history would
      // be refused).
      const ScopeSubs* scope = find_scope(sub->schema->table_id, sub->ref.scope);
      bool skipped_changes = scope != nullptr && scope->last_change_seq > sub->position;
      if (!skipped_changes && now - sub->last_sent < interval * kIdleProgressFactor) continue;
      std::string out = message_head("progress", *sub) + ",\"seq\":" + quoted_seq(settled) + "}";
      if (!sub->connection->has_room()) continue;  // a slow client gets its changes first
      sub->connection->enqueue({std::move(out), sub->number, settled}, true);
      sub->position = settled;
      sub->last_sent = now;
    }
  }

  void end_connection(LiveConnection& connection, std::string_view code, std::string_view message) {
    auto mine = by_connection.find(&connection);
    if (mine == by_connection.end()) return;
    std::vector<uint64_t> numbers;
    for (const auto& [client_id, number] : mine->second) numbers.push_back(number);
    for (uint64_t number : numbers) {
      auto it = subs.find(number);
      if (it != subs.end()) end(*it->second, code, message);
    }
    by_connection.erase(&connection);
  }
};

// ---------------------------------------------------------------------------------------
// LiveConnection

LiveConnection::LiveConnection(LiveQueryService& service, std::string id, std::string user_id, Role role,
                               int64_t token_expires_at_us, std::function<void()> wake,
                               std::function<void(uint16_t, std::string)> close)
    : service_(service),
      id_(std::move(id)),
      user_id_(std::move(user_id)),
      role_(role),
      token_expires_at_us_(token_expires_at_us),
      wake_(std::move(wake)),
      close_(std::move(close)),
      max_queued_(service.options_.max_queued_messages) {}

void LiveConnection::subscribe(std::string client_id, std::string sql, SubscriptionOptions options,
                               std::string default_namespace) {
  service_.post([self = shared_from_this(), client_id = std::move(client_id), sql = std::move(sql), options,
                 ns = std::move(default_namespace)](LiveQueryService::Dispatcher& dispatcher) mutable {
    dispatcher.subscribe(self, std::move(client_id), sql, options, ns);
  });
}

void LiveConnection::unsubscribe(std::string client_id) {
  service_.post([self = shared_from_this(),
                 client_id = std::move(client_id)](LiveQueryService::Dispatcher& dispatcher) {
    auto mine = dispatcher.by_connection.find(self.get());
    std::optional<uint64_t> number;
    if (mine != dispatcher.by_connection.end()) {
      auto it = mine->second.find(client_id);
      if (it != mine->second.end()) number = it->second;
    }
    std::string out = "{\"type\":";
    if (!number) {
      self->enqueue({error_message(client_id, "NOT_FOUND_LIVE_QUERY", "no subscription with this id"), 0, 0},
                    true);
      return;
    }
    self->drop_subscription_messages(*number);
    dispatcher.remove(*number);
    out += "\"unsubscribed\",\"id\":";
    append_json_string(out, client_id);
    out += '}';
    self->enqueue({std::move(out), 0, 0}, true);
  });
}

void LiveConnection::send(std::string message) { enqueue({std::move(message), 0, 0}, true); }

bool LiveConnection::enqueue(Outgoing message, bool force) {
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return true;  // nobody to tell; not an overflow
    if (!force && queue_.size() >= max_queued_) return false;
    was_empty = queue_.empty();
    queue_.push_back(std::move(message));
  }
  if (was_empty && wake_) wake_();
  return true;
}

std::optional<std::string> LiveConnection::next_message() {
  bool notify = false;
  std::optional<std::string> text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return std::nullopt;
    Outgoing& front = queue_.front();
    if (front.subscription != 0 && front.position > 0) delivered_[front.subscription] = front.position;
    text = std::move(front.text);
    queue_.pop_front();
    if (waiting_for_room_ && queue_.size() < max_queued_ / 2) {
      waiting_for_room_ = false;
      notify = true;
    }
  }
  if (notify) service_.notify_room();
  return text;
}

std::optional<int64_t> LiveConnection::drop_subscription_messages(uint64_t subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [&](const Outgoing& message) { return message.subscription == subscription; }),
               queue_.end());
  auto it = delivered_.find(subscription);
  if (it == delivered_.end()) return std::nullopt;
  int64_t position = it->second;
  delivered_.erase(it);
  return position;
}

void LiveConnection::set_position(uint64_t subscription, int64_t position) {
  std::lock_guard<std::mutex> lock(mu_);
  delivered_[subscription] = position;
}

bool LiveConnection::has_room() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() < max_queued_ / 2) return true;
  waiting_for_room_ = true;
  return false;
}

size_t LiveConnection::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void LiveConnection::closed() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    queue_.clear();
    delivered_.clear();
  }
  service_.post([self = shared_from_this()](LiveQueryService::Dispatcher& dispatcher) {
    dispatcher.end_connection(*self, "", "");
    dispatcher.connections.erase(self.get());
  });
}

// ---------------------------------------------------------------------------------------
// LiveQueryService

LiveQueryService::LiveQueryService(TableStore& tables, SchemaRegistry& registry, RoleLookup roles,
                                   LiveServiceOptions options)
    : tables_(tables), registry_(registry), roles_(std::move(roles)), options_(options) {}

LiveQueryService::~LiveQueryService() { stop(); }

Status LiveQueryService::start() {
  KALAM_ASSIGN_OR_RETURN(auto filters, FilterEngine::open());
  dispatcher_ = std::make_unique<Dispatcher>(*this);
  dispatcher_->filters = std::move(filters);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void LiveQueryService::stop() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  inbox_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (dispatcher_) {
    for (auto& [raw, connection] : dispatcher_->connections) dispatcher_->end_connection(*connection, "", "");
    dispatcher_->subs.clear();
    dispatcher_->connections.clear();
  }
  std::lock_guard<std::mutex> lock(info_mu_);
  info_.clear();
}

std::shared_ptr<LiveConnection> LiveQueryService::connect(std::string user_id, Role role,
                                                          int64_t token_expires_at_us,
                                                          std::function<void()> wake,
                                                          std::function<void(uint16_t, std::string)> close) {
  std::string id = "conn-" + std::to_string(next_connection_.fetch_add(1));
  std::shared_ptr<LiveConnection> connection(new LiveConnection(*this, std::move(id), std::move(user_id),
                                                                role, token_expires_at_us, std::move(wake),
                                                                std::move(close)));
  post(
      [connection](Dispatcher& dispatcher) { dispatcher.connections.emplace(connection.get(), connection); });
  return connection;
}

Result<std::string> LiveQueryService::validate_subscription(const std::string& sql,
                                                            const std::string& user_id, Role role,
                                                            const std::string& default_namespace) {
  Dispatcher scratch(*this);
  KALAM_ASSIGN_OR_RETURN(Dispatcher::Resolved resolved,
                         scratch.resolve(sql, user_id, role, default_namespace));
  KALAM_RETURN_IF_ERROR(resolved.query.options.validate());
  // Compiled on a connection of its own: the dispatcher's belongs to its thread.
  KALAM_ASSIGN_OR_RETURN(auto filters, FilterEngine::open());
  KALAM_ASSIGN_OR_RETURN(auto filter, filters->compile(resolved.schema, resolved.query.where));
  (void)filter;
  return resolved.schema->qualified_name();
}

void LiveQueryService::post(std::function<void(Dispatcher&)> command) {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    if (stopping_) return;
    inbox_.push_back(InboxItem{{}, {}, std::move(command)});
  }
  inbox_cv_.notify_one();
}

void LiveQueryService::notify_room() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    room_ = true;
  }
  inbox_cv_.notify_one();
}

bool LiveQueryService::subscribed(uint64_t table_id, std::string_view scope) const {
  auto table = subscribed_.find(table_id);
  return table != subscribed_.end() && table->second.find(scope) != table->second.end();
}

void LiveQueryService::publish(const std::vector<RowChange>& changes) {
  std::vector<RowChange> wanted;
  {
    std::shared_lock<std::shared_mutex> lock(subscribed_mu_);
    if (subscribed_.empty()) return;
    for (const RowChange& change : changes) {
      if (subscribed(change.table_id, change.scope)) wanted.push_back(change);
    }
  }
  if (wanted.empty()) return;
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    if (stopping_) return;
    was_empty = inbox_.empty();
    inbox_.push_back(InboxItem{std::move(wanted), {}, {}});
  }
  if (was_empty) inbox_cv_.notify_one();
}

bool LiveQueryService::wants_changes(uint64_t table_id, std::string_view scope) const {
  std::shared_lock<std::shared_mutex> lock(subscribed_mu_);
  return subscribed(table_id, scope);
}

void LiveQueryService::publish_unrecorded(const std::vector<UnrecordedWrite>& writes) {
  std::vector<UnrecordedWrite> wanted;
  {
    std::shared_lock<std::shared_mutex> lock(subscribed_mu_);
    if (subscribed_.empty()) return;
    for (const UnrecordedWrite& write : writes) {
      auto parts = split_row_key(write.key);
      if (parts.is_ok() && subscribed(write.table_id, parts.value().scope)) wanted.push_back(write);
    }
  }
  if (wanted.empty()) return;
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    if (stopping_) return;
    inbox_.push_back(InboxItem{{}, std::move(wanted), {}});
  }
  inbox_cv_.notify_one();
}

void LiveQueryService::run() {
  Dispatcher& dispatcher = *dispatcher_;
  const auto tick_every =
      std::min<std::chrono::milliseconds>(options_.progress_interval, std::chrono::milliseconds(1000));
  Clock::time_point next_tick = Clock::now() + tick_every;
  bool more_snapshot_work = false;
  std::deque<InboxItem> items;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(inbox_mu_);
      if (!more_snapshot_work) {
        inbox_cv_.wait_until(lock, next_tick, [&] { return stopping_ || !inbox_.empty() || room_; });
      }
      if (stopping_) return;
      room_ = false;
    }
    Clock::time_point now = Clock::now();
    bool tick = now >= next_tick;
    // Read before draining: every commit up to it has been published into the inbox.
    int64_t settled = tick ? tables_.visible_seq() : 0;
    {
      std::lock_guard<std::mutex> lock(inbox_mu_);
      items.swap(inbox_);
    }
    for (InboxItem& item : items) {
      try {
        if (item.command) {
          item.command(dispatcher);
        } else if (!item.unrecorded.empty()) {
          dispatcher.on_unrecorded(item.unrecorded);
        } else {
          dispatcher.on_changes(item.changes);
        }
        dispatcher.graveyard.clear();
      } catch (const std::exception& e) {
        spdlog::error("live: dispatcher caught: {}", e.what());
      }
    }
    items.clear();
    dispatcher.graveyard.clear();
    more_snapshot_work = dispatcher.pump_snapshots();
    if (tick) {
      dispatcher.progress(settled, now);
      next_tick = now + tick_every;
    }
    dispatcher.graveyard.clear();
  }
}

std::vector<LiveQueryInfo> LiveQueryService::live_queries() const {
  std::vector<LiveQueryInfo> out;
  std::lock_guard<std::mutex> lock(info_mu_);
  for (const auto& [live_id, entry] : info_) {
    LiveQueryInfo info = entry->info;
    info.changes_sent = entry->changes_sent.load(std::memory_order_relaxed);
    info.last_change_at_us = entry->last_change_at_us.load(std::memory_order_relaxed);
    out.push_back(std::move(info));
  }
  return out;
}

size_t LiveQueryService::count_for_table(uint64_t table_id) const {
  std::lock_guard<std::mutex> lock(info_mu_);
  size_t count = 0;
  for (const auto& [live_id, entry] : info_) count += entry->table_id == table_id ? 1 : 0;
  return count;
}

size_t LiveQueryService::subscription_count() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return info_.size();
}

Status LiveQueryService::kill(std::string_view live_id, std::string_view caller, bool any_user) {
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    auto it = info_.find(std::string(live_id));
    if (it == info_.end() || (!any_user && it->second->info.user_id != caller)) {
      return Status(ErrorCode::kNotFoundLiveQuery, "Live query '" + std::string(live_id) + "' not found")
          .with_detail("name", std::string(live_id));
    }
  }
  post([live_id = std::string(live_id)](Dispatcher& dispatcher) {
    for (auto& [number, sub] : dispatcher.subs) {
      if (sub->live_id == live_id) {
        sub->connection->drop_subscription_messages(number);
        dispatcher.end(*sub, "KILLED", "the live query was killed (KILL LIVE QUERY)");
        return;
      }
    }
  });
  return Status::ok();
}

void LiveQueryService::table_dropped(uint64_t table_id) {
  post([table_id](Dispatcher& dispatcher) {
    for (Sub* sub : dispatcher.select([&](const Sub& s) { return s.schema->table_id == table_id; })) {
      dispatcher.end(*sub, "NOT_FOUND_TABLE", "the table " + sub->schema->qualified_name() + " was dropped");
    }
  });
}

void LiveQueryService::table_altered(uint64_t table_id) {
  post([table_id](Dispatcher& dispatcher) {
    for (Sub* sub : dispatcher.select([&](const Sub& s) { return s.schema->table_id == table_id; })) {
      // What is queued stays queued (it is still true): the resume point is the last one queued.
      std::optional<int64_t> resume;
      if (sub->phase == Sub::Phase::kLive && sub->position > 0) resume = sub->position;
      dispatcher.end(
          *sub, "SCHEMA_CHANGED",
          "the columns of " + sub->schema->qualified_name() + " changed: subscribe again (with from)",
          resume);
    }
  });
}

void LiveQueryService::user_changed(std::string_view user_id) {
  post([this, user_id = std::string(user_id)](Dispatcher& dispatcher) {
    std::optional<Role> role = roles_(user_id);
    auto lost_access = [&](const Sub& sub) {
      if (sub.user_id == user_id) return !role || !may_read_table(*sub.schema, *role);
      return sub.effective_user == user_id && !role;  // the EXECUTE AS target is gone
    };
    for (Sub* sub : dispatcher.select(lost_access)) {
      dispatcher.end(*sub, "AUTH_INSUFFICIENT_ROLE",
                     "the subscriber lost access to the table (user dropped or role changed)");
    }
  });
}

}  // namespace kalam

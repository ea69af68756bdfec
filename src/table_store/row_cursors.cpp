// Cursors over primary-key, secondary-index and `_seq` ranges of one scope. Each merges
// the write set's pending entries (read-your-writes) with a RocksDB iterator at the
// view's snapshot, skips tombstones (unless asked for) and expired STREAM rows, decodes
// only the requested cells, and stops after `limit` rows: nothing is read ahead.
#include "table_store/row_cursors.h"

#include <algorithm>

#include "storage/key_encoding.h"
#include "table_store/key_layout.h"

namespace kalam {

Status decode_stored_row(std::string_view value, const std::vector<uint32_t>* columns, StoredRow* out) {
  if (columns == nullptr) {
    KALAM_ASSIGN_OR_RETURN(*out, decode_row(value));
    return Status::ok();
  }
  return decode_row_columns(value, *columns, out);
}

void project_row(const StoredRow& row, const std::vector<uint32_t>* columns, StoredRow* out) {
  out->schema_version = row.schema_version;
  out->seq = row.seq;
  out->deleted = row.deleted;
  out->cells.clear();
  for (const auto& cell : row.cells) {
    if (columns == nullptr || std::binary_search(columns->begin(), columns->end(), cell.first)) {
      out->cells.push_back(cell);
    }
  }
}

namespace {

using PendingRows = std::map<std::string, PendingRow>;
using PendingOps = std::map<std::string, IndexOp>;

// [begin, end) of the keys holding `spec`'s equalities and bounds under `prefix`.
// `skip_nulls`: an index range bounded only above must not start at NULL entries.
struct KeyRange {
  std::string begin;
  std::string end;
};

KeyRange key_range(const std::string& base_prefix, const ScanSpec& spec, bool index) {
  KeyEncoder prefix_encoder;
  prefix_encoder.append_raw(base_prefix);
  for (const Value& value : spec.equal) {
    if (index) {
      append_index_value(prefix_encoder, value);
    } else {
      append_key_value(prefix_encoder, value);
    }
  }
  std::string prefix = prefix_encoder.release();
  KeyRange range{prefix, prefix_successor(prefix)};
  auto bound_key = [&](const Value& value) {
    KeyEncoder encoder;
    encoder.append_raw(prefix);
    if (index) {
      append_index_value(encoder, value);
    } else {
      append_key_value(encoder, value);
    }
    return encoder.release();
  };
  // Encoded values are prefix-free: the keys holding value v are those starting with enc(v).
  if (spec.lower) {
    std::string key = bound_key(spec.lower->value);
    range.begin = spec.lower->inclusive ? key : prefix_successor(key);
  } else if (spec.upper && index) {
    // NULL sorts first; `col < v` never holds for NULL.
    range.begin = prefix_successor(bound_key(Value()));
  }
  if (spec.upper) {
    std::string key = bound_key(spec.upper->value);
    range.end = spec.upper->inclusive ? prefix_successor(key) : key;
  }
  return range;
}

class CursorBase : public RowCursor {
 public:
  CursorBase(const StorageEngine& storage, const ReadView& view, const ScopeRef& table, const ScanSpec& spec)
      : storage_(storage), view_(view), table_(table), spec_(spec) {
    if (spec.columns != nullptr) {
      columns_ = *spec.columns;
      spec_.columns = &columns_;
    }
    ttl_seconds_ = table.is_stream() ? table.schema->options.ttl_seconds : 0;
  }

  ~CursorBase() override {
    if (total_ != nullptr) total_->fetch_add(entries_, std::memory_order_relaxed);
  }
  void count_into(std::atomic<uint64_t>* total) { total_ = total; }
  void read_cold_through(const ColdSegments* cold) { cold_ = cold; }

  bool valid() const override { return valid_; }
  const std::string& key() const override { return key_; }
  const StoredRow& row() const override { return row_; }
  uint64_t entries_read() const override { return entries_; }

  Status next() override {
    if (!valid_) return Status::ok();
    if (returned_ >= spec_.limit) {
      valid_ = false;
      return Status::ok();
    }
    return advance();
  }

 protected:
  // Moves to the next acceptable row (sets valid_, key_, row_).
  virtual Status advance() = 0;

  bool accept(const StoredRow& row) const {
    if (row.deleted && !spec_.include_deleted) return false;
    return !(ttl_seconds_ > 0 && stream_row_expired(ttl_seconds_, row, view_.now_us));
  }
  // Marks the current row as returned (none past the limit).
  Status found() {
    if (returned_ >= spec_.limit) return finished();
    valid_ = true;
    ++returned_;
    return Status::ok();
  }
  Status finished() {
    valid_ = false;
    return Status::ok();
  }
  const PendingRows* pending_rows() const {
    return view_.writes == nullptr ? nullptr : &view_.writes->rows();
  }
  const StorageSnapshot* snapshot() const { return view_.snapshot.get(); }

  // Reads the row under `row_key` (pending first) into row_; false when there is none.
  Result<bool> fetch_row(const std::string& row_key) {
    if (const PendingRows* pending = pending_rows()) {
      auto it = pending->find(row_key);
      if (it != pending->end()) {
        if (!it->second.row) return false;
        project_row(*it->second.row, spec_.columns, &row_);
        return true;
      }
    }
    KALAM_ASSIGN_OR_RETURN(bool exists,
                           storage_.get_into(table_.family, row_key, &value_buffer_, snapshot()));
    if (!exists) return false;
    KALAM_RETURN_IF_ERROR(decode_into_row(value_buffer_));
    return true;
  }

  // Decodes a stored value into row_; a cold row's cells come from its segment.
  Status decode_into_row(std::string_view value) {
    KALAM_RETURN_IF_ERROR(decode_stored_row(value, spec_.columns, &row_));
    if (!row_.cold) return Status::ok();
    if (cold_ == nullptr) return Status(ErrorCode::kInternalStorageError, "cold row without a cold tier");
    return cold_->fill(&cold_context_, *row_.cold, spec_.columns, &row_);
  }

  const StorageEngine& storage_;
  const ColdSegments* cold_ = nullptr;
  ColdReadContext cold_context_;
  ReadView view_;
  ScopeRef table_;
  ScanSpec spec_;
  std::vector<uint32_t> columns_;
  int64_t ttl_seconds_ = 0;
  bool valid_ = false;
  std::string key_;
  StoredRow row_;
  std::string value_buffer_;
  uint64_t returned_ = 0;
  uint64_t entries_ = 0;
  std::atomic<uint64_t>* total_ = nullptr;
};

// Walks a RocksDB iterator and the pending entries of a std::map over the same key range
// in one order; a pending entry replaces a base key equal to it.
template <typename Map>
class MergedKeys {
 public:
  struct Step {
    bool from_base = false;
    bool replaces_base = false;  // a pending entry whose key is also the base's current key
    std::string_view key;
    typename Map::const_iterator pending;
  };

  void init(StorageIterator* base, const Map* pending, const std::string& begin, const std::string& end,
            bool reverse) {
    base_ = base;
    reverse_ = reverse;
    has_pending_ = pending != nullptr;
    if (has_pending_) {
      first_ = pending->lower_bound(begin);
      last_ = pending->lower_bound(end);
      pos_ = reverse ? last_ : first_;
    }
    if (reverse) {
      base_->seek_to_last();
    } else {
      base_->seek(begin);
    }
  }

  // The next key in order; false at the end.
  Result<bool> peek(Step* step) const {
    KALAM_RETURN_IF_ERROR(base_->status());
    bool base_ok = base_->valid();
    bool pending_ok = has_pending_ && (reverse_ ? pos_ != first_ : pos_ != last_);
    if (!base_ok && !pending_ok) return false;
    typename Map::const_iterator pending_entry;
    if (pending_ok) pending_entry = reverse_ ? std::prev(pos_) : pos_;
    step->replaces_base = false;
    if (base_ok && pending_ok) {
      int cmp = base_->key().compare(pending_entry->first);
      step->from_base = reverse_ ? cmp > 0 : cmp < 0;
      step->replaces_base = cmp == 0;
    } else {
      step->from_base = base_ok;
    }
    if (step->from_base) {
      step->key = base_->key();
    } else {
      step->key = pending_entry->first;
      step->pending = pending_entry;
    }
    return true;
  }

  void consume(const Step& step) {
    if (!step.from_base) {
      if (reverse_) {
        --pos_;
      } else {
        ++pos_;
      }
    }
    if (step.from_base || step.replaces_base) {
      if (reverse_) {
        base_->prev();
      } else {
        base_->next();
      }
    }
  }

 private:
  StorageIterator* base_ = nullptr;
  bool reverse_ = false;
  bool has_pending_ = false;
  typename Map::const_iterator first_, last_, pos_;
};

// Rows of a primary-key range, in key order.
class PrimaryKeyCursor : public CursorBase {
 public:
  using CursorBase::CursorBase;

  Status open() {
    KeyRange range = key_range(table_.scope_prefix, spec_, false);
    if (range.begin >= range.end) return finished();
    KALAM_ASSIGN_OR_RETURN(base_, storage_.new_iterator(table_.family, range.begin, range.end, snapshot()));
    merged_.init(base_.get(), pending_rows(), range.begin, range.end, spec_.reverse);
    return advance();
  }

 protected:
  Status advance() override {
    while (true) {
      MergedKeys<PendingRows>::Step step;
      KALAM_ASSIGN_OR_RETURN(bool more, merged_.peek(&step));
      if (!more) return finished();
      ++entries_;
      if (step.from_base) {
        key_.assign(step.key);
        KALAM_RETURN_IF_ERROR(decode_into_row(base_->value()));
        merged_.consume(step);
      } else {
        const PendingRow& pending = step.pending->second;
        key_ = step.pending->first;
        merged_.consume(step);
        if (!pending.row) continue;  // deleted outright
        project_row(*pending.row, spec_.columns, &row_);
      }
      if (accept(row_)) return found();
    }
  }

 private:
  std::unique_ptr<StorageIterator> base_;
  MergedKeys<PendingRows> merged_;
};

// Rows in the order of a secondary index: entries [values…][pk] merged with the write
// set's entry puts and deletes, each entry followed to its row. Rows are fetched in
// batches of up to kFetchBatch with one MultiGet, never more than the limit still allows.
class IndexCursor : public CursorBase {
 public:
  IndexCursor(const StorageEngine& storage, const ReadView& view, const ScopeRef& table, const ScanSpec& spec,
              size_t value_count)
      : CursorBase(storage, view, table, spec), value_count_(value_count) {}

  Status open() {
    std::string prefix = index_scope_prefix(table_.schema->table_id, spec_.index_id, table_.scope);
    prefix_size_ = prefix.size();
    index_ = table_.schema->find_index(spec_.index_id);
    if (index_ == nullptr) return finished();
    prefix_ = prefix;
    KeyRange range = key_range(prefix, spec_, true);
    if (range.begin >= range.end) return finished();
    KALAM_ASSIGN_OR_RETURN(base_,
                           storage_.new_iterator(ColumnFamily::kIndex, range.begin, range.end, snapshot()));
    merged_.init(base_.get(), view_.writes == nullptr ? nullptr : &view_.writes->index_ops(), range.begin,
                 range.end, spec_.reverse);
    return advance();
  }

 protected:
  Status advance() override {
    while (true) {
      if (batch_pos_ == batch_.size()) {
        KALAM_RETURN_IF_ERROR(fill_batch());
        if (batch_.empty()) return finished();
      }
      Fetched& fetched = batch_[batch_pos_++];
      if (fetched.pending != nullptr) {
        if (!fetched.pending->row) continue;
        project_row(*fetched.pending->row, spec_.columns, &row_);
      } else {
        if (!fetched.value) continue;  // no row: not expected from a consistent index
        KALAM_RETURN_IF_ERROR(decode_into_row(*fetched.value));
      }
      key_ = std::move(fetched.row_key);
      if (accept(row_)) return found();
    }
  }

 private:
  static constexpr size_t kFetchBatch = 32;
  struct Fetched {
    std::string row_key;
    const PendingRow* pending = nullptr;  // the write set's version, when it wrote the row
    std::optional<std::string> value;     // else the stored value
  };

  // The next entries (at most what the limit still allows), and their rows.
  Status fill_batch() {
    batch_.clear();
    batch_pos_ = 0;
    size_t wanted = kFetchBatch;
    if (spec_.limit != UINT64_MAX)
      wanted = static_cast<size_t>(std::min<uint64_t>(wanted, spec_.limit - returned_));
    wanted = std::max<size_t>(wanted, 1);
    const PendingRows* pending = pending_rows();
    std::vector<std::string> to_read;
    std::vector<size_t> read_slots;
    while (batch_.size() < wanted) {
      MergedKeys<PendingOps>::Step step;
      KALAM_ASSIGN_OR_RETURN(bool more, merged_.peek(&step));
      if (!more) break;
      ++entries_;
      bool present = step.from_base || step.pending->second != IndexOp::kDelete;
      bool from_base = step.from_base;
      entry_.assign(step.key);
      merged_.consume(step);
      if (!present) continue;  // the write set deleted this entry
      KALAM_ASSIGN_OR_RETURN(std::string_view pk,
                             pk_suffix_of_index_entry(entry_, prefix_size_, value_count_));
      Fetched fetched;
      fetched.row_key = table_.scope_prefix;
      fetched.row_key.append(pk);
      if (pending != nullptr) {
        auto it = pending->find(fetched.row_key);
        if (it != pending->end()) fetched.pending = &it->second;
      }
      // A snapshot entry for a row the write set rewrote: the write set deleted the entry
      // of the version it read, but a later snapshot may hold another committed version's
      // entry. Only an entry that the pending row itself would have counts.
      if (from_base && fetched.pending != nullptr && !entry_of_pending(*fetched.pending, pk)) continue;
      if (fetched.pending == nullptr) {
        to_read.push_back(fetched.row_key);
        read_slots.push_back(batch_.size());
      }
      batch_.push_back(std::move(fetched));
    }
    if (!to_read.empty()) {
      std::vector<std::optional<std::string>> values;
      KALAM_RETURN_IF_ERROR(storage_.multi_get(table_.family, to_read, &values, snapshot()));
      for (size_t idx = 0; idx < read_slots.size(); ++idx)
        batch_[read_slots[idx]].value = std::move(values[idx]);
    }
    return Status::ok();
  }

  bool entry_of_pending(const PendingRow& pending, std::string_view pk) const {
    if (!pending.row || pending.row->deleted) return false;
    return index_entry_key(prefix_, index_values(*table_.schema, *index_, *pending.row), pk) == entry_;
  }

  size_t value_count_;
  size_t prefix_size_ = 0;
  const IndexDef* index_ = nullptr;
  std::string prefix_;
  std::string entry_;
  std::unique_ptr<StorageIterator> base_;
  MergedKeys<PendingOps> merged_;
  std::vector<Fetched> batch_;
  size_t batch_pos_ = 0;
};

// Rows in _seq order from the `_seq` index. Rows the write set wrote are taken from it
// (with the _seq they have until their commit), in _seq order among the others.
class SeqCursor : public CursorBase {
 public:
  using CursorBase::CursorBase;

  Status open() {
    int64_t low = 0;
    int64_t high = INT64_MAX;
    auto bound = [](const ScanBound& b, bool lower, int64_t* out) {
      const auto* number = std::get_if<int64_t>(&b.value);
      if (number == nullptr) return false;
      int64_t value = *number;
      if (!b.inclusive) {
        if (lower && value == INT64_MAX) return false;
        if (!lower && value == INT64_MIN) return false;
        value += lower ? 1 : -1;
      }
      *out = value;
      return true;
    };
    if (spec_.lower && !bound(*spec_.lower, true, &low)) return finished();
    if (spec_.upper && !bound(*spec_.upper, false, &high)) return finished();
    low = std::max<int64_t>(low, 0);
    if (high < low) return finished();
    std::string prefix = seq_scope_prefix(table_.schema->table_id, table_.scope);
    std::string begin = seq_key(prefix, low);
    // Committed entries stop at the view's visible_seq (own pending rows do not).
    int64_t committed_high = std::min(high, view_.visible_seq);
    std::string end = committed_high == INT64_MAX ? prefix_successor(prefix)
                      : committed_high < low      ? begin
                                                  : seq_key(prefix, committed_high + 1);
    KALAM_ASSIGN_OR_RETURN(base_, storage_.new_iterator(ColumnFamily::kIndex, begin, end, snapshot()));
    if (spec_.reverse) {
      base_->seek_to_last();
    } else {
      base_->seek(begin);
    }
    prefix_size_ = prefix.size();
    if (const PendingRows* pending = pending_rows()) {
      std::string scope_end = prefix_successor(table_.scope_prefix);
      for (auto it = pending->lower_bound(table_.scope_prefix); it != pending->end() && it->first < scope_end;
           ++it) {
        if (it->second.row && it->second.row->seq >= low && it->second.row->seq <= high) {
          own_.emplace_back(it->second.row->seq, &*it);
        }
      }
      std::sort(own_.begin(), own_.end(), [&](const auto& a, const auto& b) {
        return spec_.reverse ? a.first > b.first : a.first < b.first;
      });
    }
    return advance();
  }

 protected:
  Status advance() override {
    const PendingRows* pending = pending_rows();
    while (true) {
      KALAM_RETURN_IF_ERROR(base_->status());
      bool base_ok = base_->valid();
      bool own_ok = own_pos_ < own_.size();
      if (!base_ok && !own_ok) return finished();
      int64_t base_seq = 0;
      if (base_ok) {
        KALAM_ASSIGN_OR_RETURN(base_seq, seq_of_seq_key(base_->key(), prefix_size_));
      }
      bool take_own =
          own_ok &&
          (!base_ok || (spec_.reverse ? own_[own_pos_].first > base_seq : own_[own_pos_].first < base_seq));
      ++entries_;
      if (take_own) {
        const auto& [seq, entry] = own_[own_pos_++];
        key_ = entry->first;
        project_row(*entry->second.row, spec_.columns, &row_);
        if (accept(row_)) return found();
        continue;
      }
      key_ = table_.scope_prefix;
      key_.append(base_->value());
      if (spec_.reverse) {
        base_->prev();
      } else {
        base_->next();
      }
      if (pending != nullptr && pending->count(key_) != 0) continue;  // its current version is pending
      KALAM_ASSIGN_OR_RETURN(bool exists, fetch_row(key_));
      if (exists && row_.seq == base_seq && accept(row_)) return found();
    }
  }

 private:
  size_t prefix_size_ = 0;
  std::unique_ptr<StorageIterator> base_;
  std::vector<std::pair<int64_t, const PendingRows::value_type*>> own_;
  size_t own_pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<RowCursor>> open_row_cursor(const StorageEngine& storage, const ReadView& view,
                                                   const ScopeRef& table, const ScanSpec& spec,
                                                   std::atomic<uint64_t>* entries_read,
                                                   const ColdSegments* cold) {
  switch (spec.access) {
    case ScanSpec::Access::kPrimaryKey: {
      auto cursor = std::make_unique<PrimaryKeyCursor>(storage, view, table, spec);
      cursor->count_into(entries_read);
      cursor->read_cold_through(cold);
      KALAM_RETURN_IF_ERROR(cursor->open());
      return std::unique_ptr<RowCursor>(std::move(cursor));
    }
    case ScanSpec::Access::kIndex: {
      const IndexDef* index = table.schema->find_index(spec.index_id);
      if (index == nullptr) {
        return Status(ErrorCode::kInternalError,
                      "no index " + std::to_string(spec.index_id) + " on " + table.schema->qualified_name());
      }
      auto cursor = std::make_unique<IndexCursor>(storage, view, table, spec, index->column_ids.size());
      cursor->count_into(entries_read);
      cursor->read_cold_through(cold);
      KALAM_RETURN_IF_ERROR(cursor->open());
      return std::unique_ptr<RowCursor>(std::move(cursor));
    }
    case ScanSpec::Access::kSeq: {
      auto cursor = std::make_unique<SeqCursor>(storage, view, table, spec);
      cursor->count_into(entries_read);
      cursor->read_cold_through(cold);
      KALAM_RETURN_IF_ERROR(cursor->open());
      return std::unique_ptr<RowCursor>(std::move(cursor));
    }
  }
  return Status(ErrorCode::kInternalError, "unknown scan access");
}

}  // namespace kalam

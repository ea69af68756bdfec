// WriteSet: the uncommitted writes of one statement (autocommit) or one transaction, as
// the table store keeps them until commit. Cursors and look-ups read through it, so a
// statement or transaction sees its own writes; the commit applies all of it atomically.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/table_schema.h"
#include "live/live_query_manager.h"
#include "storage/row_codec.h"
#include "storage/storage_engine.h"

namespace kalam {

// One row key written by the write set: its newest version and what it replaced.
struct PendingRow {
  uint64_t table_id = 0;
  ColumnFamily family = ColumnFamily::kRows;
  std::string scope;
  size_t scope_prefix_size = 0;  // the row key starts with row_scope_prefix(table_id, scope)
  bool stream = false;           // STREAM table: expiry entries are kept
  // The newest version (a tombstone for DELETE); nullopt = a hard delete (eviction).
  std::optional<StoredRow> row;
  // The committed _seq of the key when the write set first touched it (0 = no row): the
  // commit fails if another commit changed the key since.
  int64_t base_seq = 0;
  int64_t final_seq = 0;  // assigned by the commit
};

// A change event of the statement or transaction; its `_seq` is the final _seq of the
// write (`write_index` in the write log), filled in by the commit.
struct PendingChange {
  RowChange change;
  size_t write_index = 0;
};

// What a write set does to an index entry: delete it, put it, or keep it (the entry is
// stored already and the pending row still has it: not written, but index reads of the
// write set see it even when a later snapshot holds another version's entry).
enum class IndexOp : uint8_t { kDelete, kPut, kKeep };

class WriteSet {
 public:
  WriteSet() = default;
  WriteSet(const WriteSet&) = delete;
  WriteSet& operator=(const WriteSet&) = delete;

  bool empty() const { return rows_.empty() && index_ops_.empty(); }
  // Number of row writes so far (a key written twice counts twice): the size of the log.
  size_t write_count() const { return write_log_.size(); }
  // An estimate of the heap the write set holds (pending rows, index entries, change
  // events): what `[execution] max_statement_memory_bytes` bounds.
  size_t memory_bytes() const { return memory_bytes_; }
  // The estimated heap of one row (its cells and their payloads).
  static size_t footprint(const StoredRow& row);

  // The pending version of `row_key`, or nullptr when the write set has not written it.
  const PendingRow* find(const std::string& row_key) const {
    auto it = rows_.find(row_key);
    return it == rows_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, PendingRow>& rows() const { return rows_; }
  // Index-family keys this write set deletes, puts or keeps.
  const std::map<std::string, IndexOp>& index_ops() const { return index_ops_; }

  // The committed _seq recorded for a key this write set wrote or read by primary key.
  std::optional<int64_t> base_seq(const std::string& row_key) const;
  // A key read by primary key (not written): the commit fails if it changed meanwhile.
  void note_read(const std::string& row_key, ColumnFamily family, int64_t committed_seq);

  // The final _seq of write number `write_index`, once the commit assigned it (else 0).
  int64_t final_seq_of(size_t write_index) const;

  // Change events, published by the commit after the batch is durable.
  void add_change(RowChange change);
  // The last write has no change event (nobody subscribed to its table): the commit
  // reports its key instead (LiveQueryManager::publish_unrecorded).
  void note_unrecorded_change() { unrecorded_.push_back(write_log_.size() - 1); }
  bool has_changes() const { return !changes_.empty(); }

  // The index epochs of the tables written (table id → TableSchema::index_epoch).
  const std::map<uint64_t, uint64_t>& table_epochs() const { return table_epochs_; }

 private:
  friend class TableStore;

  std::map<std::string, PendingRow> rows_;    // row key → newest version
  std::map<std::string, IndexOp> index_ops_;  // index-family key → what the commit does
  struct ReadRecord {
    int64_t seq = 0;  // committed _seq seen (0 = no row)
    ColumnFamily family = ColumnFamily::kRows;
  };
  std::map<std::string, ReadRecord> reads_;  // keys read by primary key (and not written)
  std::vector<std::map<std::string, PendingRow>::iterator> write_log_;  // in write order
  // UNIQUE claims: index value prefix → (pk suffix of the claimant, table id), re-checked
  // against committed entries at commit.
  struct UniqueClaim {
    std::string value_prefix;
    size_t index_prefix_size = 0;
    size_t value_count = 0;
    std::string pk;
    uint64_t table_id = 0;
    std::string scope_prefix;
    bool stream = false;
    int64_t ttl_seconds = 0;
    std::string index_name;
    std::string values_text;  // for the error message
  };
  std::vector<UniqueClaim> claims_;
  std::map<uint64_t, uint64_t> table_epochs_;
  std::vector<PendingChange> changes_;
  std::vector<size_t> unrecorded_;   // write indices without a change event
  std::vector<int64_t> final_seqs_;  // by write index, once committed
  int64_t high_water_written_ = 0;   // the _seq this set's batch wrote as the high-water mark
  size_t memory_bytes_ = 0;
};

}  // namespace kalam

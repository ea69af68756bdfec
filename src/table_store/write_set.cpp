// WriteSet accessors (the table store fills and commits it).
#include "table_store/write_set.h"

namespace kalam {
namespace {

// Heap beyond sizeof(Value): a string longer than the small-string buffer.
size_t payload_bytes(const Value& value) {
  const auto* text = std::get_if<std::string>(&value);
  return text != nullptr && text->size() > 15 ? text->capacity() + 1 : 0;
}

// Per map node or vector element bookkeeping (allocator header, tree links).
constexpr size_t kNodeOverhead = 64;

}  // namespace

size_t WriteSet::footprint(const StoredRow& row) {
  size_t bytes = sizeof(StoredRow) + row.cells.capacity() * sizeof(row.cells[0]);
  for (const auto& cell : row.cells) bytes += payload_bytes(cell.second);
  return bytes;
}

void WriteSet::add_change(RowChange change) {
  size_t bytes =
      sizeof(PendingChange) + kNodeOverhead + change.table.size() + change.scope.size() + change.key.size();
  for (const auto* values : {&change.old_values, &change.new_values}) {
    for (const auto& [name, value] : *values) {
      bytes += sizeof(std::pair<std::string, Value>) + name.size() + payload_bytes(value);
    }
  }
  memory_bytes_ += bytes;
  changes_.push_back(PendingChange{std::move(change), write_log_.size() - 1});
}

std::optional<int64_t> WriteSet::base_seq(const std::string& row_key) const {
  if (auto it = rows_.find(row_key); it != rows_.end()) return it->second.base_seq;
  if (auto it = reads_.find(row_key); it != reads_.end()) return it->second.seq;
  return std::nullopt;
}

void WriteSet::note_read(const std::string& row_key, ColumnFamily family, int64_t committed_seq) {
  if (rows_.count(row_key) != 0) return;  // written: its base is already recorded
  reads_.try_emplace(row_key, ReadRecord{committed_seq, family});
}

int64_t WriteSet::final_seq_of(size_t write_index) const {
  return write_index < final_seqs_.size() ? final_seqs_[write_index] : 0;
}

}  // namespace kalam

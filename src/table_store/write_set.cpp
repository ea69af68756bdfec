// WriteSet accessors (the table store fills and commits it).
#include "table_store/write_set.h"

namespace kalam {

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

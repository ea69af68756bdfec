// The RocksDB key layout of table data: rows, secondary-index entries, `_seq` entries and
// STREAM expiry entries (spec/storage.md § Hot tier). The only code that builds or takes
// apart these keys; everything above the table store holds them as opaque strings.
//
//   rows / streams:  [u64 table_id][str scope][pk values…]                      -> row value
//   index  (kSeq):   [0x01][u64 table_id][str scope][u64 _seq]                  -> pk suffix
//   index  (kEntry): [0x02][u64 table_id][u32 index_id][str scope][values…][pk] -> ""
//   index  (kExpiry):[0x03][u64 table_id][u64 _seq][str scope][pk]              -> ""
//
// `scope` is the user id for USER/STREAM tables and empty for SHARED tables; `pk` (the
// "pk suffix") is the encoded primary key exactly as it ends the row key, so an index or
// `_seq` entry turns back into its row key by prepending the scope prefix. The format is
// persistent: never change tags or layouts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/table_schema.h"
#include "common/status.h"
#include "common/value.h"
#include "storage/storage_engine.h"

namespace kalam {

class KeyEncoder;

// STREAM rows live in the `streams` family, all others in `rows`.
ColumnFamily row_family(TableType type);

// The scope a statement of `effective_user` reads and writes in `schema`.
std::string table_scope(const TableSchema& schema, std::string_view effective_user);

// Appends a stored value as an order-preserving key part (NULL < bool < int < real <
// text; one column holds one type, see KeyEncoder).
void append_key_value(KeyEncoder& encoder, const Value& value);

// [table_id][scope]: the prefix of every row key of one scope.
std::string row_scope_prefix(uint64_t table_id, std::string_view scope);
// [table_id]: the prefix of every row key of one table.
std::string row_table_prefix(uint64_t table_id);
// The row key for `pk_values` (in primary-key order; for a hidden key, one int64).
std::string row_key(std::string_view scope_prefix, const std::vector<Value>& pk_values);
// The scope of a row key and the length of its scope prefix.
struct RowKeyParts {
  std::string scope;
  size_t scope_prefix_size = 0;
};
Result<RowKeyParts> split_row_key(std::string_view row_key);
// The pk suffix of a row key of the scope whose prefix is `scope_prefix`.
inline std::string_view pk_suffix(std::string_view row_key, size_t scope_prefix_size) {
  return row_key.substr(scope_prefix_size);
}

// `_seq` index.
std::string seq_scope_prefix(uint64_t table_id, std::string_view scope);
std::string seq_key(std::string_view seq_scope_prefix, int64_t seq);
// [kSeq][table_id]: every `_seq` entry of one table; and the scope of one such entry.
std::string seq_table_prefix(uint64_t table_id);
Result<std::string> scope_of_seq_key(std::string_view key);
// The _seq of a `_seq` key of that scope.
Result<int64_t> seq_of_seq_key(std::string_view key, size_t seq_scope_prefix_size);

// Secondary index entries.
std::string index_scope_prefix(uint64_t table_id, uint32_t index_id, std::string_view scope);
// Index values are encoded like key values, except that a NaN (NULL to SQL) is NULL.
void append_index_value(KeyEncoder& encoder, const Value& value);
// prefix + values (one per index column, in index order) + pk suffix.
std::string index_entry_key(std::string_view index_scope_prefix, const std::vector<Value>& values,
                            std::string_view pk_suffix);
// prefix + values: every entry of rows holding exactly these values starts with it.
std::string index_value_prefix(std::string_view index_scope_prefix, const std::vector<Value>& values);
// The pk suffix of an index entry with `value_count` values after `index_scope_prefix`.
Result<std::string_view> pk_suffix_of_index_entry(std::string_view entry, size_t index_scope_prefix_size,
                                                  size_t value_count);

// STREAM expiry entries, ordered by write time across the table's scopes.
std::string expiry_table_prefix(uint64_t table_id);
std::string expiry_key(uint64_t table_id, int64_t seq, std::string_view scope, std::string_view pk);
struct ExpiryEntry {
  int64_t seq = 0;
  std::string scope;
  std::string pk;  // pk suffix
};
Result<ExpiryEntry> decode_expiry_key(std::string_view key);

// Range deletes of everything a table owns (rows, _seq, index and expiry entries), or of
// one index's entries (all scopes).
void delete_table_data(WriteBatch& batch, uint64_t table_id);
void delete_index_data(WriteBatch& batch, uint64_t table_id, uint32_t index_id);
// The [begin, end) of one index's entries over all scopes.
std::pair<std::string, std::string> index_range(uint64_t table_id, uint32_t index_id);

}  // namespace kalam

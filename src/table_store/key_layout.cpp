// Key layout of table data (see key_layout.h for the format).
#include "table_store/key_layout.h"

#include <cmath>

#include "storage/key_encoding.h"

namespace kalam {
namespace {

enum class IndexKind : uint8_t { kSeq = 1, kEntry = 2, kExpiry = 3 };

Status skip_table_id(KeyDecoder& decoder) {
  auto table_id = decoder.read_u64();
  return table_id.is_ok() ? Status::ok() : table_id.status();
}

KeyEncoder kind_encoder(IndexKind kind) {
  KeyEncoder encoder;
  encoder.append_raw(std::string_view(reinterpret_cast<const char*>(&kind), 1));
  return encoder;
}

}  // namespace

ColumnFamily row_family(TableType type) {
  return type == TableType::kStream ? ColumnFamily::kStreams : ColumnFamily::kRows;
}

std::string table_scope(const TableSchema& schema, std::string_view effective_user) {
  if (schema.table_type == TableType::kShared) return std::string();
  return std::string(effective_user);
}

void append_key_value(KeyEncoder& encoder, const Value& value) {
  if (is_null(value)) {
    encoder.append_null();
  } else if (const auto* boolean = std::get_if<bool>(&value)) {
    encoder.append_bool(*boolean);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    encoder.append_int64(*integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    encoder.append_double(*real);
  } else {
    encoder.append_string(std::get<std::string>(value));
  }
}

std::string row_scope_prefix(uint64_t table_id, std::string_view scope) {
  KeyEncoder encoder;
  encoder.append_u64(table_id);
  encoder.append_string(scope);
  return encoder.release();
}

std::string row_table_prefix(uint64_t table_id) {
  KeyEncoder encoder;
  encoder.append_u64(table_id);
  return encoder.release();
}

std::string row_key(std::string_view scope_prefix, const std::vector<Value>& pk_values) {
  KeyEncoder encoder;
  encoder.append_raw(scope_prefix);
  for (const Value& value : pk_values) append_key_value(encoder, value);
  return encoder.release();
}

Result<RowKeyParts> split_row_key(std::string_view row_key) {
  KeyDecoder decoder(row_key);
  KALAM_RETURN_IF_ERROR(skip_table_id(decoder));
  RowKeyParts parts;
  KALAM_ASSIGN_OR_RETURN(parts.scope, decoder.read_string());
  parts.scope_prefix_size = decoder.position();
  return parts;
}

std::string seq_scope_prefix(uint64_t table_id, std::string_view scope) {
  KeyEncoder encoder = kind_encoder(IndexKind::kSeq);
  encoder.append_u64(table_id);
  encoder.append_string(scope);
  return encoder.release();
}

std::string seq_table_prefix(uint64_t table_id) {
  KeyEncoder encoder = kind_encoder(IndexKind::kSeq);
  encoder.append_u64(table_id);
  return encoder.release();
}

Result<std::string> scope_of_seq_key(std::string_view key) {
  if (key.empty()) return Status(ErrorCode::kInternalStorageError, "empty _seq key");
  KeyDecoder decoder(key.substr(1));
  KALAM_RETURN_IF_ERROR(skip_table_id(decoder));
  return decoder.read_string();
}

std::string seq_key(std::string_view seq_scope_prefix, int64_t seq) {
  KeyEncoder encoder;
  encoder.append_raw(seq_scope_prefix);
  encoder.append_u64(static_cast<uint64_t>(seq));
  return encoder.release();
}

Result<int64_t> seq_of_seq_key(std::string_view key, size_t seq_scope_prefix_size) {
  KeyDecoder decoder(key.substr(std::min(seq_scope_prefix_size, key.size())));
  KALAM_ASSIGN_OR_RETURN(uint64_t seq, decoder.read_u64());
  return static_cast<int64_t>(seq);
}

std::string index_scope_prefix(uint64_t table_id, uint32_t index_id, std::string_view scope) {
  KeyEncoder encoder = kind_encoder(IndexKind::kEntry);
  encoder.append_u64(table_id);
  encoder.append_u32(index_id);
  encoder.append_string(scope);
  return encoder.release();
}

void append_index_value(KeyEncoder& encoder, const Value& value) {
  if (const auto* real = std::get_if<double>(&value); real != nullptr && std::isnan(*real)) {
    encoder.append_null();  // SQLite reads a NaN as NULL: it sorts and matches like one
    return;
  }
  append_key_value(encoder, value);
}

std::string index_value_prefix(std::string_view index_scope_prefix, const std::vector<Value>& values) {
  KeyEncoder encoder;
  encoder.append_raw(index_scope_prefix);
  for (const Value& value : values) append_index_value(encoder, value);
  return encoder.release();
}

std::string index_entry_key(std::string_view index_scope_prefix, const std::vector<Value>& values,
                            std::string_view pk_suffix) {
  std::string key = index_value_prefix(index_scope_prefix, values);
  key.append(pk_suffix);
  return key;
}

Result<std::string_view> pk_suffix_of_index_entry(std::string_view entry, size_t index_scope_prefix_size,
                                                  size_t value_count) {
  if (entry.size() < index_scope_prefix_size) {
    return Status(ErrorCode::kInternalStorageError, "index entry shorter than its prefix");
  }
  KeyDecoder decoder(entry.substr(index_scope_prefix_size));
  for (size_t idx = 0; idx < value_count; ++idx) KALAM_RETURN_IF_ERROR(decoder.skip_value());
  return decoder.remaining();
}

std::string expiry_table_prefix(uint64_t table_id) {
  KeyEncoder encoder = kind_encoder(IndexKind::kExpiry);
  encoder.append_u64(table_id);
  return encoder.release();
}

std::string expiry_key(uint64_t table_id, int64_t seq, std::string_view scope, std::string_view pk) {
  KeyEncoder encoder = kind_encoder(IndexKind::kExpiry);
  encoder.append_u64(table_id);
  encoder.append_u64(static_cast<uint64_t>(seq));
  encoder.append_string(scope);
  encoder.append_raw(pk);
  return encoder.release();
}

Result<ExpiryEntry> decode_expiry_key(std::string_view key) {
  KeyDecoder decoder(key);
  KALAM_ASSIGN_OR_RETURN(std::string_view kind, decoder.read_raw(1));
  if (kind[0] != static_cast<char>(IndexKind::kExpiry)) {
    return Status(ErrorCode::kInternalStorageError, "not an expiry entry");
  }
  KALAM_RETURN_IF_ERROR(skip_table_id(decoder));
  ExpiryEntry entry;
  KALAM_ASSIGN_OR_RETURN(uint64_t seq, decoder.read_u64());
  entry.seq = static_cast<int64_t>(seq);
  KALAM_ASSIGN_OR_RETURN(entry.scope, decoder.read_string());
  entry.pk = std::string(decoder.remaining());
  return entry;
}

namespace {

// [kind][table_id] .. [kind][table_id + 1]
std::pair<std::string, std::string> kind_table_range(IndexKind kind, uint64_t table_id) {
  KeyEncoder begin = kind_encoder(kind);
  begin.append_u64(table_id);
  KeyEncoder end = kind_encoder(kind);
  end.append_u64(table_id + 1);
  return {begin.release(), end.release()};
}

}  // namespace

void delete_table_data(WriteBatch& batch, uint64_t table_id) {
  KeyEncoder begin;
  begin.append_u64(table_id);
  KeyEncoder end;
  end.append_u64(table_id + 1);
  batch.del_range(ColumnFamily::kRows, begin.data(), end.data());
  batch.del_range(ColumnFamily::kStreams, begin.data(), end.data());
  for (IndexKind kind : {IndexKind::kSeq, IndexKind::kEntry, IndexKind::kExpiry}) {
    auto [first, last] = kind_table_range(kind, table_id);
    batch.del_range(ColumnFamily::kIndex, first, last);
  }
}

std::pair<std::string, std::string> index_range(uint64_t table_id, uint32_t index_id) {
  KeyEncoder begin = kind_encoder(IndexKind::kEntry);
  begin.append_u64(table_id);
  begin.append_u32(index_id);
  std::string first = begin.release();
  return {first, prefix_successor(first)};
}

void delete_index_data(WriteBatch& batch, uint64_t table_id, uint32_t index_id) {
  auto [first, last] = index_range(table_id, index_id);
  batch.del_range(ColumnFamily::kIndex, first, last);
}

}  // namespace kalam

// Binary row value of the `rows`/`streams` column families (spec/storage.md § Hot tier):
// schema version, _seq, _deleted and the cells keyed by column id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/value.h"

namespace kalam {

// Where a flushed row's cells are: row `ordinal` (from 0, in file order) of cold
// segment `segment_id` (docs/storage.md).
struct ColdLocation {
  uint64_t segment_id = 0;
  uint64_t ordinal = 0;
  bool operator==(const ColdLocation&) const = default;
};

struct StoredRow {
  int32_t schema_version = 1;  // the table schema version the row was written under
  int64_t seq = 0;             // _seq of the write
  bool deleted = false;        // _deleted: a tombstone
  // Set for a cold pointer: the cells are in a Parquet segment, not in this value
  // (`cells` is empty as decoded; the table store fills them from the segment).
  std::optional<ColdLocation> cold;
  // Cells by column_id, ascending and unique. A column absent from the row (added after
  // the row was written) has no cell; a NULL cell is stored explicitly.
  std::vector<std::pair<uint32_t, Value>> cells;

  // The cell of `column_id`, or nullptr when the row has none. Binary search.
  const Value* cell(uint32_t column_id) const;
  Value* cell(uint32_t column_id) { return const_cast<Value*>(std::as_const(*this).cell(column_id)); }
};

struct RowHeader {
  int32_t schema_version = 1;
  int64_t seq = 0;
  bool deleted = false;
  std::optional<ColdLocation> cold;
};

// Layout (all varints are LEB128, at most 10 bytes; signed ones are zigzag-encoded):
//   byte    format version (kRowFormatVersion)
//   byte    flags: bit 0 = deleted, bit 1 = cold pointer, other bits zero
//   varint  schema_version (signed)
//   varint  seq (signed)
//   cold pointer: varint segment_id, varint ordinal, and nothing after them
//   otherwise:
//   varint  cell count
//   cells:  varint column_id, byte tag, payload
//           tag 0 NULL, 1 false, 2 true (no payload); 3 int64 (signed varint);
//           4 double (8 bytes, little-endian IEEE bits: NaN payloads and -0.0 survive);
//           5 string/bytes (varint length, raw bytes)
// The format is persistent: never change tag values or layouts; add a version instead.
inline constexpr uint8_t kRowFormatVersion = 1;

// Encodes `row` (a cold pointer when row.cold is set: its cells are then not written).
// Cells are written in ascending column_id order even if `row.cells` is not
// sorted; if a column_id appears twice, its last cell wins. Never fails.
std::string encode_row(const StoredRow& row);

// Decodes a whole row. Any malformed input (unknown version, flag or tag, truncated or
// overlong varint, a length past the end, column ids not strictly ascending, trailing
// bytes) → kInternalStorageError. Never asserts or reads out of bounds.
Result<StoredRow> decode_row(std::string_view data);

// Decodes the header and only the cells whose ids are in `wanted_ids` (any order,
// duplicates allowed); other cells are skipped without allocating. `out` is overwritten;
// wanted ids the row has no cell for are simply absent from out->cells. Stops after the
// last wanted id, so bytes after it are not validated. Errors as for decode_row; on
// error *out is unspecified.
Status decode_row_columns(std::string_view data, const std::vector<uint32_t>& wanted_ids, StoredRow* out);

// Decodes {schema_version, seq, deleted} without looking at the cells.
Result<RowHeader> decode_row_header(std::string_view data);

}  // namespace kalam

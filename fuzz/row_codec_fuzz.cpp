// Fuzzes the stored-row decoder with arbitrary bytes (a corrupt or hostile value in
// RocksDB). A row that decodes must encode and decode back to the same row.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "storage/row_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)kalam::decode_row_header(bytes);
  kalam::StoredRow some;
  (void)kalam::decode_row_columns(bytes, {0, 1, 2, 7, 1000}, &some);
  auto row = kalam::decode_row(bytes);
  if (!row.is_ok()) return 0;
  auto again = kalam::decode_row(kalam::encode_row(*row));
  if (!again.is_ok() || again->seq != row->seq || again->deleted != row->deleted ||
      again->schema_version != row->schema_version || again->cells.size() != row->cells.size()) {
    std::abort();  // the encoder and the decoder disagree
  }
  return 0;
}

// Fuzzes the Parquet reader with arbitrary bytes (a corrupt or hostile file in cold
// storage): opening it, reading every column chunk and decoding every statistic must
// give a value or an error, never a crash or a read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "parquet/parquet_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto reader = kalam::parquet::ParquetReader::open(bytes);
  if (!reader.is_ok()) return 0;
  for (size_t group = 0; group < (*reader)->row_group_count(); ++group) {
    for (size_t column = 0; column < (*reader)->columns().size(); ++column) {
      (void)(*reader)->chunk_stats(group, column);
      std::vector<kalam::Value> values;
      (void)(*reader)->read_column(group, column, &values);
    }
  }
  return 0;
}

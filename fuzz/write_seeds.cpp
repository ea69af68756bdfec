// Writes valid encoded rows, keys and Parquet files as seeds for row_codec_fuzz,
// key_decoder_fuzz and parquet_reader_fuzz:
//   write_seeds <corpus folder>   (writes <folder>/row_codec/*, <folder>/key_decoder/*,
//                                  <folder>/parquet_reader/*)
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>

#include "parquet/parquet_writer.h"
#include "storage/key_encoding.h"
#include "storage/row_codec.h"

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_seeds <corpus folder>\n";
    return 2;
  }
  std::string root = argv[1];
  kalam::StoredRow row;
  row.schema_version = 3;
  row.seq = 312960612395257856;
  row.cells = {{1, kalam::Value(int64_t{42})},
               {2, kalam::Value(std::string("hello, world"))},
               {3, kalam::Value(2.5)},
               {4, kalam::Value(true)},
               {5, kalam::Value()},
               {9, kalam::Value(std::string("\0\xff binary", 9))}};
  write(root + "/row_codec/row.bin", kalam::encode_row(row));
  row.deleted = true;
  row.cells.clear();
  write(root + "/row_codec/tombstone.bin", kalam::encode_row(row));

  kalam::KeyEncoder key;
  key.append_u64(17);
  key.append_string("alice");
  key.append_int64(-5);
  key.append_double(std::numeric_limits<double>::infinity());
  key.append_bytes(std::string("a\0b", 3));
  key.append_null();
  key.append_bool(true);
  write(root + "/key_decoder/composite.bin", key.release());
  key.append_int64(std::numeric_limits<int64_t>::min());
  key.append_string("");
  write(root + "/key_decoder/edges.bin", key.release());

  // Small files: every page kind (dictionary and plain, NULLs, each codec).
  using namespace kalam::parquet;
  const std::vector<ColumnSpec> columns = {
      {"id", kalam::DataType::kBigInt, 0, 0, false, 1},     {"room", kalam::DataType::kText, 0, 0, true, 2},
      {"price", kalam::DataType::kDecimal, 20, 2, true, 3}, {"uid", kalam::DataType::kUuid, 0, 0, true, 4},
      {"ok", kalam::DataType::kBoolean, 0, 0, true, 5},     {"x", kalam::DataType::kDouble, 0, 0, true, 6}};
  std::vector<std::vector<kalam::Value>> rows;
  for (int64_t n = 0; n < 40; ++n) {
    rows.push_back({kalam::Value(n), n % 3 ? kalam::Value("room-" + std::to_string(n % 4)) : kalam::Value(),
                    kalam::Value(std::to_string(n) + ".25"),
                    kalam::Value("00000000-0000-4000-8000-0000000000" + std::to_string(10 + n)),
                    kalam::Value(n % 2 == 0), kalam::Value(n / 7.0)});
  }
  for (const auto& [name, compression] :
       {std::pair{"none", Compression::kNone}, std::pair{"snappy", Compression::kSnappy},
        std::pair{"zstd", Compression::kZstd}}) {
    WriterOptions options;
    options.compression = compression;
    options.row_group_rows = 16;
    options.page_rows = 10;
    auto file = write_parquet(columns, rows, options);
    if (!file.is_ok()) return 1;
    write(root + "/parquet_reader/" + name + ".parquet", *file);
  }
  return 0;
}

// Writes valid encoded rows and keys as seeds for row_codec_fuzz and key_decoder_fuzz:
//   write_seeds <corpus folder>   (writes <folder>/row_codec/* and <folder>/key_decoder/*)
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>

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
  return 0;
}

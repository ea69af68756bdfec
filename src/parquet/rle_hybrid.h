// Parquet's RLE / bit-packing hybrid encoding (definition levels and dictionary indices).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kalam::parquet {

// Bits needed to store values in [0, max_value]; at least 1.
int bit_width_for(uint32_t max_value);

// Appends the hybrid encoding of `count` values of `bit_width` bits (1..32): runs of eight
// or more equal values as RLE runs, the rest bit-packed in groups of eight (the last group
// padded with zeros). REQUIRES: every value fits in bit_width bits.
void rle_hybrid_encode(const uint32_t* values, size_t count, int bit_width, std::string* out);

// Reads values of the hybrid encoding, bounds-checked: running past the data, a bit width
// outside 0..32 or a malformed run header gives kInternalStorageError.
class RleHybridDecoder {
 public:
  RleHybridDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}

  // Fills out[0..count).
  Status get(uint32_t* out, size_t count);

 private:
  Status next_run();

  std::string_view data_;
  size_t pos_ = 0;
  int bit_width_;
  uint64_t rle_remaining_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_remaining_ = 0;  // values left in the current bit-packed run
  size_t packed_start_ = 0;        // byte offset of the run's data
  size_t packed_end_ = 0;          // one past its last byte present in data_
  uint64_t packed_index_ = 0;      // next value's index within the run
};

}  // namespace kalam::parquet

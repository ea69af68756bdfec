// RLE / bit-packing hybrid encoder and decoder (see rle_hybrid.h).
#include "parquet/rle_hybrid.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/varint.h"

namespace kalam::parquet {
namespace {

constexpr size_t kMinRleRun = 8;

void put_bit_packed(const std::vector<uint32_t>& values, int bit_width, std::string* out) {
  if (values.empty()) return;
  const size_t groups = (values.size() + 7) / 8;
  put_varint(*out, (groups << 1) | 1);
  uint64_t accumulator = 0;
  int bits = 0;
  for (size_t idx = 0; idx < groups * 8; ++idx) {
    const uint64_t value = idx < values.size() ? values[idx] : 0;
    accumulator |= value << bits;
    bits += bit_width;
    while (bits >= 8) {
      *out += static_cast<char>(accumulator & 0xFF);
      accumulator >>= 8;
      bits -= 8;
    }
  }
}

void put_rle_run(uint32_t value, size_t count, int bit_width, std::string* out) {
  put_varint(*out, count << 1);
  for (int byte = 0; byte < (bit_width + 7) / 8; ++byte)
    *out += static_cast<char>((value >> (8 * byte)) & 0xFF);
}

Status corrupt(std::string_view what) {
  return Status(ErrorCode::kInternalStorageError, "corrupt Parquet page: " + std::string(what));
}

}  // namespace

int bit_width_for(uint32_t max_value) {
  int width = 1;
  while (width < 32 && (max_value >> width) != 0) ++width;
  return width;
}

void rle_hybrid_encode(const uint32_t* values, size_t count, int bit_width, std::string* out) {
  std::vector<uint32_t> pending;  // values waiting to be bit-packed
  size_t idx = 0;
  while (idx < count) {
    const uint32_t value = values[idx];
    size_t run = 1;
    while (idx + run < count && values[idx + run] == value) ++run;
    if (run >= kMinRleRun) {
      // A bit-packed run holds whole groups of eight: complete the open group first.
      const size_t fill = (8 - pending.size() % 8) % 8;
      pending.insert(pending.end(), fill, value);
      idx += fill;
      run -= fill;
      if (run >= kMinRleRun) {
        put_bit_packed(pending, bit_width, out);
        pending.clear();
        put_rle_run(value, run, bit_width, out);
        idx += run;
      }
      continue;
    }
    pending.insert(pending.end(), values + idx, values + idx + run);
    idx += run;
  }
  put_bit_packed(pending, bit_width, out);
}

Status RleHybridDecoder::next_run() {
  uint64_t header = 0;
  for (int shift = 0;; shift += 7) {
    if (shift > 63) return corrupt("run header too long");
    if (pos_ >= data_.size()) return corrupt("values past the end of the levels");
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    header |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if ((header & 1) == 0) {
    rle_remaining_ = header >> 1;
    if (rle_remaining_ == 0) return corrupt("empty RLE run");
    const size_t value_bytes = (bit_width_ + 7) / 8;
    if (data_.size() - pos_ < value_bytes) return corrupt("truncated RLE run");
    rle_value_ = 0;
    for (size_t byte = 0; byte < value_bytes; ++byte) {
      rle_value_ |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_ + byte])) << (8 * byte);
    }
    pos_ += value_bytes;
    return Status::ok();
  }
  const uint64_t groups = header >> 1;
  if (groups == 0 || groups > data_.size()) return corrupt("bad bit-packed run");
  packed_remaining_ = groups * 8;
  packed_index_ = 0;
  packed_start_ = pos_;
  // Some writers leave out the padding bytes of the last run: read what is there.
  const uint64_t run_bytes = groups * static_cast<uint64_t>(bit_width_);
  packed_end_ = static_cast<size_t>(std::min<uint64_t>(data_.size(), pos_ + run_bytes));
  pos_ = packed_end_;
  return Status::ok();
}

Status RleHybridDecoder::get(uint32_t* out, size_t count) {
  if (bit_width_ < 0 || bit_width_ > 32) return corrupt("bit width out of range");
  if (bit_width_ == 0) {
    std::fill(out, out + count, 0u);
    return Status::ok();
  }
  const uint64_t mask = bit_width_ == 32 ? 0xFFFFFFFFull : ((1ull << bit_width_) - 1);
  size_t done = 0;
  while (done < count) {
    if (rle_remaining_ > 0) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(rle_remaining_, count - done));
      std::fill(out + done, out + done + take, rle_value_);
      rle_remaining_ -= take;
      done += take;
      continue;
    }
    if (packed_remaining_ > 0) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(packed_remaining_, count - done));
      for (size_t idx = 0; idx < take; ++idx) {
        const uint64_t bit = (packed_index_ + idx) * static_cast<uint64_t>(bit_width_);
        const size_t byte = packed_start_ + static_cast<size_t>(bit >> 3);
        if (byte + (((bit & 7) + bit_width_ + 7) >> 3) > packed_end_)
          return corrupt("truncated bit-packed run");
        uint64_t word = 0;
        std::memcpy(&word, data_.data() + byte, std::min<size_t>(8, packed_end_ - byte));
        out[done + idx] = static_cast<uint32_t>((word >> (bit & 7)) & mask);
      }
      packed_index_ += take;
      packed_remaining_ -= take;
      done += take;
      continue;
    }
    KALAM_RETURN_IF_ERROR(next_run());
  }
  return Status::ok();
}

}  // namespace kalam::parquet

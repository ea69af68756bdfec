// Row value codec: roundtrip of every Value kind, partial and header decoding, and
// rejection of corrupt input (every prefix, flipped bytes, hand-made bad encodings).
#include "storage/row_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace kalam {
namespace {

using namespace std::string_literals;

StoredRow sample_row() {
  StoredRow row;
  row.schema_version = 3;
  row.seq = 7'234'567'890'123'456'789;
  row.deleted = false;
  row.cells = {
      {1, Value()},
      {2, Value(true)},
      {3, Value(false)},
      {4, Value(std::numeric_limits<int64_t>::min())},
      {5, Value(std::numeric_limits<int64_t>::max())},
      {6, Value(int64_t{0})},
      {7, Value(int64_t{-1})},
      {8, Value(3.25)},
      {9, Value(-0.0)},
      {10, Value(std::numeric_limits<double>::quiet_NaN())},
      {11, Value(-std::numeric_limits<double>::infinity())},
      {12, Value(std::string())},
      {13, Value(std::string("a\0b\0", 4))},
      {14, Value(std::string("héllo wörld"))},
      {200, Value(std::string(300, 'z'))},
      {std::numeric_limits<uint32_t>::max(), Value(int64_t{42})},
  };
  return row;
}

std::string row_bytes() { return encode_row(sample_row()); }

// Compares values bit-exactly (NaN equals NaN of the same bits; -0.0 differs from 0.0).
void expect_identical(const Value& actual, const Value& expected) {
  ASSERT_EQ(actual.index(), expected.index());
  if (const double* real = std::get_if<double>(&expected)) {
    uint64_t expected_bits = 0, actual_bits = 0;
    const double actual_real = std::get<double>(actual);
    std::memcpy(&expected_bits, real, sizeof(expected_bits));
    std::memcpy(&actual_bits, &actual_real, sizeof(actual_bits));
    EXPECT_EQ(actual_bits, expected_bits);
  } else {
    EXPECT_EQ(actual, expected);
  }
}

void expect_identical_rows(const StoredRow& actual, const StoredRow& expected) {
  EXPECT_EQ(actual.schema_version, expected.schema_version);
  EXPECT_EQ(actual.seq, expected.seq);
  EXPECT_EQ(actual.deleted, expected.deleted);
  ASSERT_EQ(actual.cells.size(), expected.cells.size());
  for (size_t cell_idx = 0; cell_idx < expected.cells.size(); ++cell_idx) {
    EXPECT_EQ(actual.cells[cell_idx].first, expected.cells[cell_idx].first);
    expect_identical(actual.cells[cell_idx].second, expected.cells[cell_idx].second);
  }
}

TEST(RowCodecTest, RoundTripsEveryValueKind) {
  StoredRow row = sample_row();
  Result<StoredRow> decoded = decode_row(encode_row(row));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  expect_identical_rows(*decoded, row);
  EXPECT_TRUE(std::isnan(std::get<double>(*decoded->cell(10))));
  EXPECT_TRUE(std::signbit(std::get<double>(*decoded->cell(9))));
  EXPECT_EQ(std::get<std::string>(*decoded->cell(13)).size(), 4u);
}

TEST(RowCodecTest, RoundTripsHeaderExtremesAndEmptyRows) {
  for (int64_t seq :
       {int64_t{0}, int64_t{1}, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    for (int32_t version : {1, 0, std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()}) {
      for (bool deleted : {false, true}) {
        StoredRow row;
        row.seq = seq;
        row.schema_version = version;
        row.deleted = deleted;
        Result<StoredRow> decoded = decode_row(encode_row(row));
        ASSERT_TRUE(decoded.is_ok());
        expect_identical_rows(*decoded, row);
        Result<RowHeader> header = decode_row_header(encode_row(row));
        ASSERT_TRUE(header.is_ok());
        EXPECT_EQ(header->seq, seq);
        EXPECT_EQ(header->schema_version, version);
        EXPECT_EQ(header->deleted, deleted);
      }
    }
  }
}

TEST(RowCodecTest, EncodingIsCompact) {
  StoredRow row;
  row.seq = 1;
  row.cells = {{1, Value(int64_t{5})}, {2, Value(true)}, {3, Value(std::string("ab"))}};
  // 2 header bytes + 1 version + 1 seq + 1 count + (1+1+1) + (1+1) + (1+1+1+2)
  EXPECT_EQ(encode_row(row).size(), 15u);
}

TEST(RowCodecTest, EncodeSortsCellsAndKeepsTheLastDuplicate) {
  StoredRow row;
  row.cells = {{5, Value(int64_t{5})}, {1, Value(int64_t{1})}, {5, Value(int64_t{55})}, {3, Value()}};
  Result<StoredRow> decoded = decode_row(encode_row(row));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->cells.size(), 3u);
  EXPECT_EQ(decoded->cells[0].first, 1u);
  EXPECT_EQ(decoded->cells[1].first, 3u);
  EXPECT_EQ(decoded->cells[2].first, 5u);
  EXPECT_EQ(decoded->cells[2].second, Value(int64_t{55}));
}

TEST(RowCodecTest, CellLookup) {
  StoredRow row = sample_row();
  ASSERT_NE(row.cell(8), nullptr);
  EXPECT_EQ(*row.cell(8), Value(3.25));
  EXPECT_EQ(row.cell(15), nullptr);
  EXPECT_EQ(row.cell(0), nullptr);
  ASSERT_NE(row.cell(std::numeric_limits<uint32_t>::max()), nullptr);
  EXPECT_TRUE(is_null(*row.cell(1)));
}

TEST(RowCodecTest, DecodeRowColumnsReturnsOnlyWantedCells) {
  std::string bytes = row_bytes();
  StoredRow partial;
  partial.cells = {{99, Value(int64_t{1})}};  // overwritten, not appended to
  ASSERT_TRUE(decode_row_columns(bytes, {13, 2, 77, 13, 4}, &partial).is_ok());
  EXPECT_EQ(partial.seq, sample_row().seq);
  EXPECT_EQ(partial.schema_version, 3);
  ASSERT_EQ(partial.cells.size(), 3u);  // 77 is not in the row
  EXPECT_EQ(partial.cells[0].first, 2u);
  EXPECT_EQ(partial.cells[0].second, Value(true));
  EXPECT_EQ(partial.cells[1].first, 4u);
  EXPECT_EQ(partial.cells[1].second, Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(partial.cells[2].first, 13u);
  EXPECT_EQ(partial.cells[2].second, Value(std::string("a\0b\0", 4)));

  ASSERT_TRUE(decode_row_columns(bytes, {}, &partial).is_ok());
  EXPECT_TRUE(partial.cells.empty());
  EXPECT_EQ(partial.seq, sample_row().seq);

  ASSERT_TRUE(decode_row_columns(bytes, {std::numeric_limits<uint32_t>::max(), 200}, &partial).is_ok());
  ASSERT_EQ(partial.cells.size(), 2u);
  EXPECT_EQ(std::get<std::string>(partial.cells[0].second).size(), 300u);
  EXPECT_EQ(partial.cells[1].second, Value(int64_t{42}));

  // Asking for every column is the same as decoding the row.
  std::vector<uint32_t> all;
  for (const auto& cell : sample_row().cells) all.push_back(cell.first);
  ASSERT_TRUE(decode_row_columns(bytes, all, &partial).is_ok());
  expect_identical_rows(partial, sample_row());
}

TEST(RowCodecTest, DecodeRowColumnsStillChecksTheCellsItSkips) {
  StoredRow row;
  row.cells = {{1, Value(std::string("abc"))}, {2, Value(int64_t{9})}};
  std::string bytes = encode_row(row);
  // Make the skipped string's length point past the end.
  const size_t length_pos = bytes.find("abc") - 1;
  bytes[length_pos] = 0x7F;
  StoredRow partial;
  Status status = decode_row_columns(bytes, {2}, &partial);
  EXPECT_EQ(status.code(), ErrorCode::kInternalStorageError);
}

TEST(RowCodecTest, HeaderDecodeIgnoresCells) {
  std::string bytes = row_bytes();
  Result<RowHeader> header = decode_row_header(bytes);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(header->schema_version, 3);
  EXPECT_EQ(header->seq, sample_row().seq);
  EXPECT_FALSE(header->deleted);

  StoredRow tombstone;
  tombstone.deleted = true;
  tombstone.seq = 99;
  Result<RowHeader> deleted = decode_row_header(encode_row(tombstone));
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_TRUE(deleted->deleted);
  EXPECT_EQ(deleted->seq, 99);

  // Corrupting a cell does not matter to the header decoder, but does to decode_row.
  bytes.back() = static_cast<char>(0xFF);
  bytes += "junk";
  EXPECT_TRUE(decode_row_header(bytes).is_ok());
  EXPECT_FALSE(decode_row(bytes).is_ok());
}

TEST(RowCodecTest, EveryStrictPrefixIsRejected) {
  const std::string bytes = row_bytes();
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::string_view prefix(bytes.data(), length);
    Result<StoredRow> row = decode_row(prefix);
    ASSERT_FALSE(row.is_ok()) << "prefix of " << length << " bytes decoded";
    EXPECT_EQ(row.status().code(), ErrorCode::kInternalStorageError);
    StoredRow partial;
    std::vector<uint32_t> last_column = {std::numeric_limits<uint32_t>::max()};
    EXPECT_FALSE(decode_row_columns(prefix, last_column, &partial).is_ok()) << length;
  }
  // The header alone is 2 bytes + two varints; shorter prefixes fail the header decoder too.
  EXPECT_FALSE(decode_row_header("").is_ok());
  EXPECT_FALSE(decode_row_header(bytes.substr(0, 1)).is_ok());
  EXPECT_FALSE(decode_row_header(bytes.substr(0, 2)).is_ok());
  EXPECT_FALSE(decode_row_header(bytes.substr(0, 3)).is_ok());
}

TEST(RowCodecTest, TrailingBytesAreRejected) {
  std::string bytes = row_bytes();
  bytes.push_back('\0');
  EXPECT_FALSE(decode_row(bytes).is_ok());
}

TEST(RowCodecTest, HandMadeCorruptionsAreRejected) {
  auto header = [](uint8_t version, uint8_t flags) {
    std::string out;
    out += static_cast<char>(version);
    out += static_cast<char>(flags);
    out += '\x02';  // schema_version 1 (zigzag)
    out += '\x02';  // seq 1
    return out;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"unknown format version", header(2, 0) + "\x00"s},
      {"version zero", header(0, 0) + "\x00"s},
      {"unknown flag", header(1, 0x02) + "\x00"s},
      {"unknown tag", header(1, 0) + "\x01\x01\x09"s},
      {"cell count larger than data", header(1, 0) + "\x05\x01\x00"s},
      {"huge cell count", header(1, 0) + "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F"s},
      {"descending ids", header(1, 0) + "\x02\x05\x00\x03\x00"s},
      {"duplicate ids", header(1, 0) + "\x02\x05\x00\x05\x00"s},
      {"column id beyond uint32", header(1, 0) + "\x01\x80\x80\x80\x80\x10\x00"s},
      {"string past end", header(1, 0) + "\x01\x01\x05\x0A"s + "abc"},
      {"huge string length", header(1, 0) + "\x01\x01\x05\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01"s},
      {"truncated double", header(1, 0) + "\x01\x01\x04\x00\x00\x00"s},
      {"eleven-byte varint", header(1, 0) + "\x01\x01\x03"s + std::string(10, '\x80') + "\x01"s},
      {"varint overflowing 64 bits", header(1, 0) + "\x01\x01\x03"s + std::string(9, '\xFF') + "\x02"s},
      {"non-minimal varint", header(1, 0) + "\x01\x01\x03\x85\x00"s},
      {"non-minimal column id", header(1, 0) + "\x01\x81\x00\x00"s},
      {"schema version beyond int32", "\x01\x00\x80\x80\x80\x80\x20\x02\x00"s},
  };
  for (const auto& [name, bytes] : cases) {
    Result<StoredRow> row = decode_row(bytes);
    ASSERT_FALSE(row.is_ok()) << name;
    EXPECT_EQ(row.status().code(), ErrorCode::kInternalStorageError) << name;
  }
  // Sanity check of the helper: the same header with zero cells is valid.
  std::string empty = header(1, 0) + "\x00"s;
  Result<StoredRow> row = decode_row(empty);
  ASSERT_TRUE(row.is_ok()) << row.status().to_string();
  EXPECT_EQ(row->seq, 1);
  EXPECT_EQ(row->schema_version, 1);
  // And the largest valid varint (10 bytes, top bit in the last) decodes.
  std::string max_int = header(1, 0) + "\x01\x01\x03"s + std::string(9, '\xFF') + "\x01"s;
  Result<StoredRow> decoded = decode_row(max_int);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->cells[0].second, Value(std::numeric_limits<int64_t>::min()));
}

TEST(RowCodecTest, RandomCorruptionNeverCrashes) {
  const std::string original = row_bytes();
  std::mt19937 random(12345);
  size_t rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = original;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int flip = 0; flip < flips; ++flip) {
      bytes[random() % bytes.size()] = static_cast<char>(random() & 0xFF);
    }
    if (random() % 4 == 0) bytes.resize(random() % bytes.size());
    Result<StoredRow> row = decode_row(bytes);
    if (!row.is_ok()) {
      EXPECT_EQ(row.status().code(), ErrorCode::kInternalStorageError);
      ++rejected;
    } else {
      // Whatever decodes must re-encode to exactly the same bytes (one encoding per row).
      EXPECT_EQ(encode_row(*row), bytes);
    }
    StoredRow partial;
    decode_row_columns(bytes, {2, 13, 200}, &partial).permit_unchecked();
    decode_row_header(bytes).is_ok();
  }
  EXPECT_GT(rejected, 0u);
}

}  // namespace
}  // namespace kalam

namespace kalam {
namespace {

TEST(RowCodecCold, ColdPointerRoundTripsWithoutCells) {
  StoredRow pointer;
  pointer.schema_version = 4;
  pointer.seq = 123456789;
  pointer.cold = ColdLocation{0xABCDEF0123456789ull, 70000};
  pointer.cells = {{1, Value(int64_t{5})}};  // not written: the cells are in the segment
  const std::string encoded = encode_row(pointer);
  auto decoded = decode_row(encoded);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->cold, pointer.cold);
  EXPECT_TRUE(decoded->cells.empty());
  EXPECT_EQ(decoded->seq, pointer.seq);
  EXPECT_EQ(decoded->schema_version, 4);
  auto header = decode_row_header(encoded);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(header->cold, pointer.cold);
  StoredRow some;
  ASSERT_TRUE(decode_row_columns(encoded, {1, 2}, &some).is_ok());
  EXPECT_EQ(some.cold, pointer.cold);
  // A hot row has no location; trailing bytes after a pointer are corruption.
  EXPECT_FALSE(decode_row(encode_row(StoredRow{}))->cold.has_value());
  EXPECT_EQ(decode_row(encoded + "x").status().code(), ErrorCode::kInternalStorageError);
}

}  // namespace
}  // namespace kalam

// Parquet writer and reader: every KalamDB type round-trips with NULLs, under each
// codec, with dictionary and plain pages and several row groups; statistics; bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "parquet/sample_rows.h"

namespace kalam::parquet {
namespace {

using samples::sample_row;

std::vector<ColumnSpec> every_type() { return samples::every_type_columns(); }

std::vector<std::vector<Value>> rows(int64_t count) {
  std::vector<std::vector<Value>> out;
  for (int64_t n = 0; n < count; ++n) out.push_back(sample_row(n));
  return out;
}

// Reads every column of every row group back into rows.
std::vector<std::vector<Value>> read_all(const ParquetReader& reader) {
  std::vector<std::vector<Value>> out;
  for (size_t group = 0; group < reader.row_group_count(); ++group) {
    std::vector<std::vector<Value>> columns(reader.columns().size());
    for (size_t column = 0; column < columns.size(); ++column) {
      Status status = reader.read_column(group, column, &columns[column]);
      EXPECT_TRUE(status.is_ok()) << status.to_string();
      EXPECT_EQ(columns[column].size(), static_cast<size_t>(reader.row_group_rows(group)));
    }
    for (int64_t row = 0; row < reader.row_group_rows(group); ++row) {
      std::vector<Value>& out_row = out.emplace_back();
      for (const auto& column : columns) out_row.push_back(column[row]);
    }
  }
  return out;
}

void expect_same(const std::vector<std::vector<Value>>& expected,
                 const std::vector<std::vector<Value>>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t row = 0; row < expected.size(); ++row) {
    ASSERT_EQ(expected[row].size(), actual[row].size());
    for (size_t column = 0; column < expected[row].size(); ++column) {
      const Value& want = expected[row][column];
      const Value& got = actual[row][column];
      if (std::holds_alternative<double>(want) && std::holds_alternative<double>(got)) {
        // Bit-exact, so that -0.0 stays -0.0.
        EXPECT_EQ(std::signbit(std::get<double>(want)), std::signbit(std::get<double>(got)));
      }
      EXPECT_EQ(want, got) << "row " << row << " column " << column;
    }
  }
}

class ParquetRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(ParquetRoundTrip, EveryTypeWithNullsAndSeveralRowGroups) {
  WriterOptions options;
  options.compression = GetParam();
  options.row_group_rows = 1000;
  options.page_rows = 300;  // several pages per chunk
  const auto input = rows(2500);
  auto file = write_parquet(every_type(), input, options);
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  auto reader = ParquetReader::open(*file);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->num_rows(), 2500);
  EXPECT_EQ((*reader)->row_group_count(), 3u);
  EXPECT_EQ((*reader)->metadata().version, 2);
  const auto& columns = (*reader)->columns();
  const std::vector<ColumnSpec> written = every_type();
  ASSERT_EQ(columns.size(), written.size());
  for (size_t idx = 0; idx < columns.size(); ++idx) {
    const ColumnSpec& want = written[idx];
    EXPECT_EQ(columns[idx].name, want.name);
    EXPECT_EQ(columns[idx].field_id, want.field_id);
    EXPECT_EQ(columns[idx].nullable, want.nullable);
    // FLOAT is written as DOUBLE (it holds 64-bit values), so it reads back as DOUBLE.
    EXPECT_EQ(columns[idx].type, want.type == DataType::kFloat ? DataType::kDouble : want.type) << want.name;
    if (want.type == DataType::kDecimal) {
      EXPECT_EQ(columns[idx].precision, want.precision);
      EXPECT_EQ(columns[idx].scale, want.scale);
    }
  }
  expect_same(input, read_all(**reader));
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetRoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kSnappy, Compression::kZstd));

TEST(ParquetWriter, RepetitiveColumnsUseADictionaryAndUniqueOnesDoNot) {
  std::vector<ColumnSpec> columns = {{"id", DataType::kBigInt, 0, 0, false, 1},
                                     {"room", DataType::kText, 0, 0, true, 2}};
  std::vector<std::vector<Value>> input;
  for (int64_t n = 0; n < 10000; ++n) input.push_back({Value(n), Value("room-" + std::to_string(n % 10))});
  auto file = write_parquet(columns, input, WriterOptions{});
  ASSERT_TRUE(file.is_ok());
  auto reader = ParquetReader::open(*file);
  ASSERT_TRUE(reader.is_ok());
  const auto& chunks = (*reader)->metadata().row_groups.at(0).columns;
  EXPECT_FALSE(chunks[0].meta_data.dictionary_page_offset.has_value());
  ASSERT_TRUE(chunks[1].meta_data.dictionary_page_offset.has_value());
  EXPECT_EQ(chunks[1].meta_data.encodings.back(), Encoding::kRleDictionary);
  expect_same(input, read_all(**reader));
}

TEST(ParquetWriter, StatisticsPerChunkAndPerFile) {
  std::vector<ColumnSpec> columns = {{"n", DataType::kBigInt, 0, 0, true, 1},
                                     {"t", DataType::kText, 0, 0, true, 2},
                                     {"d", DataType::kDouble, 0, 0, true, 3},
                                     {"m", DataType::kDecimal, 30, 2, true, 4}};
  std::vector<std::vector<Value>> input = {
      {Value(int64_t{5}), Value("b"), Value(0.0), Value("-10.50")},
      {Value(), Value("a"), Value(std::nan("")), Value("3.00")},
      {Value(int64_t{-3}), Value(), Value(2.5), Value()},
      {Value(int64_t{40}), Value("\xC3\xA9"), Value(), Value("99999999999999999999.99")},
  };
  WriterOptions options;
  options.row_group_rows = 2;
  std::string file;
  ParquetWriter writer(columns, options, [&](std::string_view bytes) {
    file.append(bytes);
    return Status::ok();
  });
  for (const auto& row : input) ASSERT_TRUE(writer.append_row(row).is_ok());
  ASSERT_TRUE(writer.finish().is_ok());
  EXPECT_EQ(writer.bytes_written(), file.size());
  const auto& summary = writer.column_summaries();
  EXPECT_EQ(summary[0].min, Value(int64_t{-3}));
  EXPECT_EQ(summary[0].max, Value(int64_t{40}));
  EXPECT_EQ(summary[0].null_count, 1);
  EXPECT_EQ(summary[1].min, Value("a"));
  EXPECT_EQ(summary[1].max, Value("\xC3\xA9"));  // bytes compare unsigned
  EXPECT_EQ(summary[2].max, Value(2.5));
  EXPECT_TRUE(std::signbit(std::get<double>(*summary[2].min)));  // zero widened to -0.0
  EXPECT_EQ(summary[3].min, Value("-10.50"));
  EXPECT_EQ(summary[3].max, Value("99999999999999999999.99"));

  auto reader = ParquetReader::open(file);
  ASSERT_TRUE(reader.is_ok());
  ASSERT_EQ((*reader)->row_group_count(), 2u);
  const ChunkStats first = (*reader)->chunk_stats(0, 0);
  EXPECT_EQ(first.min, Value(int64_t{5}));
  EXPECT_EQ(first.max, Value(int64_t{5}));
  EXPECT_EQ(first.null_count, 1);
  const ChunkStats second_text = (*reader)->chunk_stats(1, 1);
  EXPECT_EQ(second_text.min, Value("\xC3\xA9"));
  const ChunkStats first_double = (*reader)->chunk_stats(0, 2);  // 0.0 and NaN: NaN left out
  EXPECT_EQ(first_double.max, Value(0.0));
  const ChunkStats second_decimal = (*reader)->chunk_stats(1, 3);
  EXPECT_EQ(second_decimal.min, Value("99999999999999999999.99"));
}

TEST(ParquetWriter, WrongValuesAreRefusedAndTheRowIsNotKept) {
  std::vector<ColumnSpec> columns = {{"a", DataType::kBigInt, 0, 0, false, 1},
                                     {"b", DataType::kInt, 0, 0, true, 2},
                                     {"u", DataType::kUuid, 0, 0, true, 3}};
  std::string file;
  ParquetWriter writer(columns, WriterOptions{}, [&](std::string_view bytes) {
    file.append(bytes);
    return Status::ok();
  });
  EXPECT_EQ(writer.append_row({Value(), Value(), Value()}).code(), ErrorCode::kInvalidArgument);  // NOT NULL
  EXPECT_EQ(writer.append_row({Value(int64_t{1}), Value("x"), Value()}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(writer.append_row({Value(int64_t{1}), Value(int64_t{1} << 40), Value()}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(writer.append_row({Value(int64_t{1}), Value(), Value("not-a-uuid")}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(writer.append_row({Value(int64_t{1})}).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(writer.append_row({Value(int64_t{2}), Value(int64_t{3}), Value()}).is_ok());
  ASSERT_TRUE(writer.finish().is_ok());
  auto reader = ParquetReader::open(file);
  ASSERT_TRUE(reader.is_ok());
  expect_same({{Value(int64_t{2}), Value(int64_t{3}), Value()}}, read_all(**reader));
}

TEST(ParquetWriter, AnEmptyFileIsValid) {
  auto file = write_parquet(every_type(), {}, WriterOptions{});
  ASSERT_TRUE(file.is_ok());
  auto reader = ParquetReader::open(*file);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->num_rows(), 0);
  EXPECT_EQ((*reader)->row_group_count(), 0u);
}

TEST(ParquetSchema, DecimalText) {
  EXPECT_EQ(*decimal_to_unscaled("-12.5", 3), -12500);
  EXPECT_EQ(*decimal_to_unscaled("0", 2), 0);
  EXPECT_EQ(decimal_from_unscaled(-12500, 3), "-12.500");
  EXPECT_EQ(decimal_from_unscaled(5, 3), "0.005");
  EXPECT_EQ(decimal_from_unscaled(-5, 3), "-0.005");
  EXPECT_EQ(decimal_from_unscaled(42, 0), "42");
  EXPECT_FALSE(decimal_to_unscaled("1.234", 2).is_ok());
  EXPECT_FALSE(decimal_to_unscaled("abc", 2).is_ok());
  EXPECT_FALSE(decimal_to_unscaled("", 2).is_ok());
  EXPECT_FALSE(decimal_to_unscaled(std::string(39, '9'), 0).is_ok());
  EXPECT_EQ(decimal_from_unscaled(*decimal_to_unscaled(std::string(38, '9'), 0), 0), std::string(38, '9'));
}

TEST(ParquetReader, CorruptFilesGiveAnErrorNotACrash) {
  WriterOptions options;
  options.row_group_rows = 100;
  auto file = write_parquet(every_type(), rows(300), options);
  ASSERT_TRUE(file.is_ok());
  EXPECT_EQ(ParquetReader::open("").status().code(), ErrorCode::kInternalStorageError);
  EXPECT_EQ(ParquetReader::open("PAR1PAR1").status().code(), ErrorCode::kInternalStorageError);
  EXPECT_FALSE(ParquetReader::open(file->substr(0, file->size() - 1)).is_ok());
  std::mt19937 rng(3);
  int opened = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string damaged = *file;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int flip = 0; flip < flips; ++flip) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    auto reader = ParquetReader::open(damaged);
    if (!reader.is_ok()) {
      EXPECT_TRUE(reader.status().code() == ErrorCode::kInternalStorageError ||
                  reader.status().code() == ErrorCode::kNotImplemented)
          << reader.status().to_string();
      continue;
    }
    ++opened;
    for (size_t group = 0; group < (*reader)->row_group_count(); ++group) {
      for (size_t column = 0; column < (*reader)->columns().size(); ++column) {
        std::vector<Value> values;
        const Status status = (*reader)->read_column(group, column, &values);
        EXPECT_TRUE(status.is_ok() || status.code() == ErrorCode::kInternalStorageError ||
                    status.code() == ErrorCode::kNotImplemented)
            << status.to_string();
        (*reader)->chunk_stats(group, column);
      }
    }
  }
  EXPECT_GT(opened, 0);  // most flips land in page data, so the reader itself is exercised
}

}  // namespace
}  // namespace kalam::parquet

// Parquet reader (see parquet_reader.h).
#include "parquet/parquet_reader.h"

#include <cstring>
#include <limits>

#include "parquet/page_compression.h"
#include "parquet/rle_hybrid.h"

namespace kalam::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";
// Far more than any page KalamDB writes (20,000 values, about 1 MiB): a header that
// claims more is treated as corrupt rather than trusted with an allocation.
constexpr int64_t kMaxPageValues = 1 << 24;
constexpr int64_t kMaxPageBytes = 1ll << 30;

Status corrupt(std::string_view what) {
  return Status(ErrorCode::kInternalStorageError, "corrupt Parquet file: " + std::string(what));
}

template <typename T>
T load_le(const char* bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

__int128 load_big_endian_signed(std::string_view bytes) {
  // Sign-extend from the first byte.
  unsigned __int128 raw =
      (!bytes.empty() && (static_cast<uint8_t>(bytes[0]) & 0x80)) ? ~static_cast<unsigned __int128>(0) : 0;
  for (char byte : bytes) raw = (raw << 8) | static_cast<uint8_t>(byte);
  return static_cast<__int128>(raw);
}

int64_t to_micros(int64_t value, TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis:
      return value * 1000;  // wraps only for values beyond year 292,000
    case TimeUnit::kNanos:
      return value >= 0 ? value / 1000 : -((-(value + 1)) / 1000) - 1;  // floor
    case TimeUnit::kMicros:
      break;
  }
  return value;
}

// Decodes PLAIN values of one column into stored-form Values.
class PlainDecoder {
 public:
  PlainDecoder(const ColumnSpec& column, const SchemaElement& element, std::string_view data)
      : column_(column), element_(element), data_(data) {}

  Status next(Value* out) {
    switch (*element_.type) {
      case PhysicalType::kBoolean: {
        const size_t byte = bit_ >> 3;
        if (byte >= data_.size()) return corrupt("values past the end of a page");
        *out = Value(((static_cast<uint8_t>(data_[byte]) >> (bit_ & 7)) & 1) != 0);
        ++bit_;
        return Status::ok();
      }
      case PhysicalType::kInt32: {
        KALAM_RETURN_IF_ERROR(need(4));
        const int32_t value = load_le<int32_t>(data_.data() + pos_);
        pos_ += 4;
        *out = column_.type == DataType::kDecimal ? Value(decimal_from_unscaled(value, column_.scale))
                                                  : Value(static_cast<int64_t>(value));
        return Status::ok();
      }
      case PhysicalType::kInt64: {
        KALAM_RETURN_IF_ERROR(need(8));
        int64_t value = load_le<int64_t>(data_.data() + pos_);
        pos_ += 8;
        if (column_.type == DataType::kDecimal) {
          *out = Value(decimal_from_unscaled(value, column_.scale));
          return Status::ok();
        }
        if (column_.type == DataType::kTimestamp || column_.type == DataType::kTime) {
          const LogicalType& logical = element_.logical;
          if (logical.kind == LogicalType::Kind::kTimestamp || logical.kind == LogicalType::Kind::kTime) {
            value = to_micros(value, logical.unit);
          }
        }
        *out = Value(value);
        return Status::ok();
      }
      case PhysicalType::kFloat: {
        KALAM_RETURN_IF_ERROR(need(4));
        *out = Value(static_cast<double>(load_le<float>(data_.data() + pos_)));
        pos_ += 4;
        return Status::ok();
      }
      case PhysicalType::kDouble: {
        KALAM_RETURN_IF_ERROR(need(8));
        *out = Value(load_le<double>(data_.data() + pos_));
        pos_ += 8;
        return Status::ok();
      }
      case PhysicalType::kByteArray: {
        KALAM_RETURN_IF_ERROR(need(4));
        const uint32_t length = load_le<uint32_t>(data_.data() + pos_);
        pos_ += 4;
        KALAM_RETURN_IF_ERROR(need(length));
        *out = Value(std::string(data_.substr(pos_, length)));
        pos_ += length;
        return Status::ok();
      }
      case PhysicalType::kFixedLenByteArray: {
        const auto length = static_cast<size_t>(element_.type_length);
        KALAM_RETURN_IF_ERROR(need(length));
        *out = fixed_value(data_.substr(pos_, length));
        pos_ += length;
        return Status::ok();
      }
      case PhysicalType::kInt96:
        break;
    }
    return corrupt("unsupported physical type");
  }

  Value fixed_value(std::string_view bytes) const {
    if (column_.type == DataType::kDecimal)
      return Value(decimal_from_unscaled(load_big_endian_signed(bytes), column_.scale));
    if (column_.type == DataType::kUuid) return Value(uuid_from_bytes(bytes));
    return Value(std::string(bytes));
  }

 private:
  Status need(size_t bytes) const {
    if (data_.size() - pos_ < bytes) return corrupt("values past the end of a page");
    return Status::ok();
  }

  const ColumnSpec& column_;
  const SchemaElement& element_;
  std::string_view data_;
  size_t pos_ = 0;
  size_t bit_ = 0;
};

// A statistics bound (plain encoding without a length prefix) in stored form.
std::optional<Value> decode_bound(const ColumnSpec& column, const SchemaElement& element,
                                  const std::optional<std::string>& bytes) {
  if (!bytes) return std::nullopt;
  switch (*element.type) {
    case PhysicalType::kByteArray:
      return Value(*bytes);
    case PhysicalType::kFixedLenByteArray:
      if (bytes->size() != static_cast<size_t>(element.type_length)) return std::nullopt;
      return PlainDecoder(column, element, *bytes).fixed_value(*bytes);
    default: {
      Value value;
      PlainDecoder decoder(column, element, *bytes);
      if (!decoder.next(&value).is_ok()) return std::nullopt;
      return value;
    }
  }
}

}  // namespace

Result<std::unique_ptr<ParquetReader>> ParquetReader::open(std::string_view data) {
  if (data.size() < 12 || data.substr(0, 4) != kMagic || data.substr(data.size() - 4) != kMagic) {
    return corrupt("not a Parquet file");
  }
  const uint32_t footer_length = load_le<uint32_t>(data.data() + data.size() - 8);
  if (footer_length > data.size() - 12) return corrupt("footer length past the start of the file");
  std::unique_ptr<ParquetReader> reader(new ParquetReader());
  reader->data_ = data;
  KALAM_RETURN_IF_ERROR(
      decode_file_metadata(data.substr(data.size() - 8 - footer_length, footer_length), &reader->metadata_));
  const FileMetaData& metadata = reader->metadata_;
  if (metadata.schema.empty()) return corrupt("no schema");
  if (static_cast<size_t>(metadata.schema[0].num_children) != metadata.schema.size() - 1) {
    return Status(ErrorCode::kNotImplemented, "nested Parquet schemas are not supported");
  }
  for (size_t idx = 1; idx < metadata.schema.size(); ++idx) {
    KALAM_ASSIGN_OR_RETURN(ColumnSpec column, column_spec_from(metadata.schema[idx]));
    reader->columns_.push_back(std::move(column));
    reader->leaves_.push_back(metadata.schema[idx]);
  }
  int64_t total_rows = 0;
  for (const RowGroup& group : metadata.row_groups) {
    if (group.columns.size() != reader->columns_.size())
      return corrupt("row group with a different column count");
    if (group.num_rows < 0) return corrupt("negative row count");
    for (size_t column = 0; column < group.columns.size(); ++column) {
      const ColumnMetaData& meta = group.columns[column].meta_data;
      if (meta.type != *reader->leaves_[column].type)
        return corrupt("column chunk type differs from the schema");
      if (meta.num_values != group.num_rows)
        return corrupt("column chunk value count differs from the row count");
    }
    if (group.num_rows > std::numeric_limits<int64_t>::max() - total_rows)
      return corrupt("row count overflow");
    total_rows += group.num_rows;
  }
  if (total_rows != metadata.num_rows) return corrupt("row groups do not add up to the file's row count");
  return reader;
}

std::optional<size_t> ParquetReader::find_column(std::string_view name) const {
  for (size_t idx = 0; idx < columns_.size(); ++idx) {
    if (columns_[idx].name == name) return idx;
  }
  return std::nullopt;
}

ChunkStats ParquetReader::chunk_stats(size_t group, size_t column) const {
  const Statistics& stats = metadata_.row_groups[group].columns[column].meta_data.statistics;
  ChunkStats out;
  out.min = decode_bound(columns_[column], leaves_[column], stats.min_value);
  out.max = decode_bound(columns_[column], leaves_[column], stats.max_value);
  out.null_count = stats.null_count;
  return out;
}

Status ParquetReader::read_column(size_t group, size_t column, std::vector<Value>* out) const {
  const ColumnMetaData& meta = metadata_.row_groups[group].columns[column].meta_data;
  const ColumnSpec& spec = columns_[column];
  const SchemaElement& element = leaves_[column];
  const int64_t start = meta.dictionary_page_offset && *meta.dictionary_page_offset > 0
                            ? std::min(*meta.dictionary_page_offset, meta.data_page_offset)
                            : meta.data_page_offset;
  const int64_t data_end = static_cast<int64_t>(data_.size()) - 8;
  if (start < 4 || meta.total_compressed_size < 0 || start > data_end ||
      meta.total_compressed_size > data_end - start) {
    return corrupt("column chunk outside the file");
  }
  const std::string_view chunk =
      data_.substr(static_cast<size_t>(start), static_cast<size_t>(meta.total_compressed_size));
  std::vector<Value> dictionary;
  bool has_dictionary = false;
  std::string page;
  std::vector<uint32_t> levels;
  std::vector<uint32_t> indices;
  size_t pos = 0;
  int64_t values_read = 0;
  out->reserve(out->size() + static_cast<size_t>(meta.num_values));
  while (values_read < meta.num_values) {
    if (pos >= chunk.size()) return corrupt("column chunk ends before its values");
    PageHeader header;
    size_t header_size = 0;
    KALAM_RETURN_IF_ERROR(decode_page_header(chunk.substr(pos), &header, &header_size));
    pos += header_size;
    if (static_cast<size_t>(header.compressed_page_size) > chunk.size() - pos)
      return corrupt("page past its chunk");
    if (header.uncompressed_page_size > kMaxPageBytes) return corrupt("page too large");
    const std::string_view body = chunk.substr(pos, static_cast<size_t>(header.compressed_page_size));
    pos += static_cast<size_t>(header.compressed_page_size);

    if (header.type == PageType::kDictionaryPage) {
      if (has_dictionary) return corrupt("second dictionary page");
      const int32_t count = header.dictionary_page.num_values;
      if (count < 0 || count > kMaxPageValues) return corrupt("bad dictionary size");
      KALAM_RETURN_IF_ERROR(
          decompress_page(meta.codec, body, static_cast<size_t>(header.uncompressed_page_size), &page));
      PlainDecoder decoder(spec, element, page);
      dictionary.resize(static_cast<size_t>(count));
      for (Value& value : dictionary) KALAM_RETURN_IF_ERROR(decoder.next(&value));
      has_dictionary = true;
      continue;
    }
    if (header.type != PageType::kDataPage && header.type != PageType::kDataPageV2) continue;  // index pages

    // Split the page into definition levels and values.
    int64_t num_values = 0;
    Encoding encoding = Encoding::kPlain;
    std::string_view level_bytes;
    std::string_view values;
    if (header.type == PageType::kDataPageV2) {
      const DataPageHeaderV2& v2 = header.data_page_v2;
      num_values = v2.num_values;
      encoding = v2.encoding;
      if (v2.repetition_levels_byte_length != 0) return corrupt("repetition levels in a flat column");
      if (v2.definition_levels_byte_length < 0 ||
          static_cast<size_t>(v2.definition_levels_byte_length) > body.size() ||
          v2.definition_levels_byte_length > header.uncompressed_page_size) {
        return corrupt("bad definition level length");
      }
      level_bytes = body.substr(0, static_cast<size_t>(v2.definition_levels_byte_length));
      const std::string_view stored = body.substr(level_bytes.size());
      const size_t values_size = static_cast<size_t>(header.uncompressed_page_size) - level_bytes.size();
      if (v2.is_compressed) {
        KALAM_RETURN_IF_ERROR(decompress_page(meta.codec, stored, values_size, &page));
        values = page;
      } else {
        if (stored.size() != values_size) return corrupt("page size mismatch");
        values = stored;
      }
    } else {
      num_values = header.data_page.num_values;
      encoding = header.data_page.encoding;
      KALAM_RETURN_IF_ERROR(
          decompress_page(meta.codec, body, static_cast<size_t>(header.uncompressed_page_size), &page));
      values = page;
      if (spec.nullable) {
        if (values.size() < 4) return corrupt("truncated definition levels");
        const uint32_t length = load_le<uint32_t>(values.data());
        if (length > values.size() - 4) return corrupt("bad definition level length");
        level_bytes = values.substr(4, length);
        values = values.substr(4 + length);
      }
    }
    if (num_values < 0 || num_values > kMaxPageValues || num_values > meta.num_values - values_read) {
      return corrupt("bad page value count");
    }
    const auto count = static_cast<size_t>(num_values);
    levels.assign(count, 1);
    if (spec.nullable) {
      RleHybridDecoder decoder(level_bytes, 1);
      KALAM_RETURN_IF_ERROR(decoder.get(levels.data(), count));
    }
    size_t present = 0;
    for (uint32_t level : levels) {
      if (level > 1) return corrupt("definition level above 1 in a flat column");
      present += level;
    }

    if (encoding == Encoding::kRleDictionary || encoding == Encoding::kPlainDictionary) {
      if (!has_dictionary) return corrupt("dictionary-encoded page without a dictionary");
      indices.resize(present);
      if (present > 0) {
        if (values.empty()) return corrupt("missing index bit width");
        RleHybridDecoder decoder(values.substr(1), static_cast<uint8_t>(values[0]));
        KALAM_RETURN_IF_ERROR(decoder.get(indices.data(), present));
      }
      size_t next = 0;
      for (uint32_t level : levels) {
        if (level == 0) {
          out->emplace_back();
          continue;
        }
        const uint32_t index = indices[next++];
        if (index >= dictionary.size()) return corrupt("dictionary index out of range");
        out->push_back(dictionary[index]);
      }
    } else if (encoding == Encoding::kPlain) {
      PlainDecoder decoder(spec, element, values);
      for (uint32_t level : levels) {
        if (level == 0) {
          out->emplace_back();
          continue;
        }
        KALAM_RETURN_IF_ERROR(decoder.next(&out->emplace_back()));
      }
    } else {
      return Status(ErrorCode::kNotImplemented,
                    "Parquet encoding " + std::to_string(static_cast<int>(encoding)) + " is not supported");
    }
    values_read += num_values;
  }
  return Status::ok();
}

}  // namespace kalam::parquet

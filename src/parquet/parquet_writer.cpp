// Parquet writer (see parquet_writer.h). Rows are buffered per column in typed vectors;
// each row group is encoded column by column, page by page, and handed to the sink.
#include "parquet/parquet_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "parquet/page_compression.h"
#include "parquet/rle_hybrid.h"

namespace kalam::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";
// Checked after this many values: a column whose values are nearly all distinct is not
// worth a dictionary, and giving up early saves the hashing.
constexpr size_t kDictionaryProbeValues = 4096;

template <typename T>
void put_le(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

std::string big_endian_16(__int128 value) {
  std::string bytes(16, '\0');
  auto raw = static_cast<unsigned __int128>(value);
  for (int idx = 15; idx >= 0; --idx) {
    bytes[idx] = static_cast<char>(static_cast<uint8_t>(raw & 0xFF));
    raw >>= 8;
  }
  return bytes;
}

Status invalid_value(const ColumnSpec& column, std::string_view why) {
  return Status(ErrorCode::kInvalidArgument, "Parquet column '" + column.name + "': " + std::string(why));
}

// Where a column's non-NULL values live while a row group is buffered.
enum class Storage : uint8_t { kInts, kDoubles, kWide, kBytes };

Storage storage_of(const ColumnSpec& column, PhysicalType physical) {
  switch (physical) {
    case PhysicalType::kBoolean:
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return Storage::kInts;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      return Storage::kDoubles;
    case PhysicalType::kFixedLenByteArray:
      return column.type == DataType::kDecimal ? Storage::kWide : Storage::kBytes;
    case PhysicalType::kByteArray:
    case PhysicalType::kInt96:
      break;
  }
  return Storage::kBytes;
}

// Running min/max over every value of a column (for the statistics of one row group and
// of the whole file).
struct MinMax {
  bool any = false;
  int64_t int_min = 0, int_max = 0;
  double double_min = 0, double_max = 0;
  bool double_any = false;  // a non-NaN double was seen
  __int128 wide_min = 0, wide_max = 0;
  std::string bytes_min, bytes_max;

  void merge(const MinMax& other) {
    if (!other.any) return;
    if (!any) {
      *this = other;
      return;
    }
    int_min = std::min(int_min, other.int_min);
    int_max = std::max(int_max, other.int_max);
    if (other.double_any) {
      double_min = double_any ? std::min(double_min, other.double_min) : other.double_min;
      double_max = double_any ? std::max(double_max, other.double_max) : other.double_max;
      double_any = true;
    }
    wide_min = std::min(wide_min, other.wide_min);
    wide_max = std::max(wide_max, other.wide_max);
    if (other.bytes_min < bytes_min) bytes_min = other.bytes_min;
    if (other.bytes_max > bytes_max) bytes_max = other.bytes_max;
  }
};

struct ColumnBuffer {
  ColumnSpec spec;
  SchemaElement element;
  PhysicalType physical = PhysicalType::kBoolean;
  Storage storage = Storage::kInts;
  std::vector<uint8_t> defined;  // one per row
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<__int128> wide;
  std::string arena;
  std::vector<uint32_t> ends;  // end offset of each value in arena
  MinMax file_stats;
  int64_t file_nulls = 0;

  size_t value_count() const {
    switch (storage) {
      case Storage::kInts:
        return ints.size();
      case Storage::kDoubles:
        return doubles.size();
      case Storage::kWide:
        return wide.size();
      case Storage::kBytes:
        break;
    }
    return ends.size();
  }
  std::string_view bytes_at(size_t idx) const {
    const uint32_t begin = idx == 0 ? 0 : ends[idx - 1];
    return std::string_view(arena).substr(begin, ends[idx] - begin);
  }
  void clear() {
    defined.clear();
    ints.clear();
    doubles.clear();
    wide.clear();
    arena.clear();
    ends.clear();
  }
  // Removes the last row (append_row's rollback).
  void pop_row() {
    if (defined.empty()) return;
    const bool had_value = defined.back() != 0;
    defined.pop_back();
    if (!had_value) return;
    switch (storage) {
      case Storage::kInts:
        ints.pop_back();
        break;
      case Storage::kDoubles:
        doubles.pop_back();
        break;
      case Storage::kWide:
        wide.pop_back();
        break;
      case Storage::kBytes:
        ends.pop_back();
        arena.resize(ends.empty() ? 0 : ends.back());
        break;
    }
  }

  Status push(const Value& value) {
    if (is_null(value)) {
      if (!spec.nullable) return invalid_value(spec, "NULL in a NOT NULL column");
      defined.push_back(0);
      return Status::ok();
    }
    switch (spec.type) {
      case DataType::kBoolean:
        if (!std::holds_alternative<bool>(value)) return invalid_value(spec, "expected a boolean");
        ints.push_back(std::get<bool>(value) ? 1 : 0);
        break;
      case DataType::kSmallInt:
      case DataType::kInt:
      case DataType::kDate:
      case DataType::kBigInt:
      case DataType::kTimestamp:
      case DataType::kTime: {
        if (!std::holds_alternative<int64_t>(value)) return invalid_value(spec, "expected an integer");
        const int64_t number = std::get<int64_t>(value);
        if (physical == PhysicalType::kInt32 &&
            (number < std::numeric_limits<int32_t>::min() || number > std::numeric_limits<int32_t>::max())) {
          return invalid_value(spec, "value outside the 32-bit range");
        }
        ints.push_back(number);
        break;
      }
      case DataType::kFloat:
      case DataType::kDouble:
        if (!std::holds_alternative<double>(value)) return invalid_value(spec, "expected a double");
        doubles.push_back(std::get<double>(value));
        break;
      case DataType::kDecimal: {
        if (!std::holds_alternative<std::string>(value)) return invalid_value(spec, "expected DECIMAL text");
        KALAM_ASSIGN_OR_RETURN(__int128 unscaled,
                               decimal_to_unscaled(std::get<std::string>(value), spec.scale));
        if (physical == PhysicalType::kFixedLenByteArray) {
          wide.push_back(unscaled);
        } else {
          const __int128 limit = physical == PhysicalType::kInt32 ? std::numeric_limits<int32_t>::max()
                                                                  : std::numeric_limits<int64_t>::max();
          if (unscaled > limit || unscaled < -limit - 1)
            return invalid_value(spec, "DECIMAL value exceeds its precision");
          ints.push_back(static_cast<int64_t>(unscaled));
        }
        break;
      }
      case DataType::kUuid: {
        if (!std::holds_alternative<std::string>(value)) return invalid_value(spec, "expected UUID text");
        KALAM_ASSIGN_OR_RETURN(std::string bytes, uuid_to_bytes(std::get<std::string>(value)));
        arena += bytes;
        ends.push_back(static_cast<uint32_t>(arena.size()));
        break;
      }
      case DataType::kText:
      case DataType::kJson:
      case DataType::kBytes:
      case DataType::kAny: {
        if (!std::holds_alternative<std::string>(value)) return invalid_value(spec, "expected text or bytes");
        const std::string& text = std::get<std::string>(value);
        if (arena.size() + text.size() > std::numeric_limits<uint32_t>::max()) {
          return invalid_value(spec, "row group larger than 4 GiB");
        }
        arena += text;
        ends.push_back(static_cast<uint32_t>(arena.size()));
        break;
      }
    }
    defined.push_back(1);
    return Status::ok();
  }

  // Min/max of the values [begin, end) of the buffered row group.
  MinMax min_max(size_t begin, size_t end) const {
    MinMax stats;
    if (begin >= end) return stats;
    stats.any = true;
    switch (storage) {
      case Storage::kInts: {
        const auto [lo, hi] = std::minmax_element(ints.begin() + begin, ints.begin() + end);
        stats.int_min = *lo;
        stats.int_max = *hi;
        break;
      }
      case Storage::kDoubles:
        for (size_t idx = begin; idx < end; ++idx) {
          const double number = doubles[idx];
          if (std::isnan(number)) continue;  // NaN has no place in an order: left out
          if (!stats.double_any) {
            stats.double_min = stats.double_max = number;
            stats.double_any = true;
          }
          stats.double_min = std::min(stats.double_min, number);
          stats.double_max = std::max(stats.double_max, number);
        }
        // Either zero may be stored: widen the bounds so that both are inside them.
        if (stats.double_any && stats.double_min == 0) stats.double_min = -0.0;
        if (stats.double_any && stats.double_max == 0) stats.double_max = 0.0;
        break;
      case Storage::kWide: {
        const auto [lo, hi] = std::minmax_element(wide.begin() + begin, wide.begin() + end);
        stats.wide_min = *lo;
        stats.wide_max = *hi;
        break;
      }
      case Storage::kBytes: {
        std::string_view lo = bytes_at(begin), hi = lo;
        for (size_t idx = begin + 1; idx < end; ++idx) {
          const std::string_view value = bytes_at(idx);
          if (value < lo) lo = value;
          if (value > hi) hi = value;
        }
        stats.bytes_min.assign(lo);
        stats.bytes_max.assign(hi);
        break;
      }
    }
    return stats;
  }

  // Parquet's plain encoding of a statistics bound; nullopt when there is none to write.
  std::optional<std::string> encode_bound(const MinMax& stats, bool want_max) const {
    if (!stats.any) return std::nullopt;
    std::string out;
    switch (physical) {
      case PhysicalType::kBoolean:
        out += static_cast<char>(want_max ? stats.int_max : stats.int_min);
        break;
      case PhysicalType::kInt32:
        put_le(out, static_cast<int32_t>(want_max ? stats.int_max : stats.int_min));
        break;
      case PhysicalType::kInt64:
        put_le(out, want_max ? stats.int_max : stats.int_min);
        break;
      case PhysicalType::kDouble:
        if (!stats.double_any) return std::nullopt;
        put_le(out, want_max ? stats.double_max : stats.double_min);
        break;
      case PhysicalType::kFixedLenByteArray:
        if (storage == Storage::kWide) return big_endian_16(want_max ? stats.wide_max : stats.wide_min);
        return want_max ? stats.bytes_max : stats.bytes_min;
      case PhysicalType::kByteArray: {
        if (stats.bytes_min.size() > kMaxStatisticsBytes || stats.bytes_max.size() > kMaxStatisticsBytes) {
          return std::nullopt;
        }
        return want_max ? stats.bytes_max : stats.bytes_min;
      }
      case PhysicalType::kFloat:
      case PhysicalType::kInt96:
        return std::nullopt;
    }
    return out;
  }

  // A bound in KalamDB's stored form.
  std::optional<Value> stored_bound(const MinMax& stats, bool want_max) const {
    if (!stats.any) return std::nullopt;
    switch (spec.type) {
      case DataType::kBoolean:
        return Value((want_max ? stats.int_max : stats.int_min) != 0);
      case DataType::kFloat:
      case DataType::kDouble:
        if (!stats.double_any) return std::nullopt;
        return Value(want_max ? stats.double_max : stats.double_min);
      case DataType::kDecimal:
        if (storage == Storage::kWide)
          return Value(decimal_from_unscaled(want_max ? stats.wide_max : stats.wide_min, spec.scale));
        return Value(decimal_from_unscaled(want_max ? stats.int_max : stats.int_min, spec.scale));
      case DataType::kUuid:
        return Value(uuid_from_bytes(want_max ? stats.bytes_max : stats.bytes_min));
      case DataType::kText:
      case DataType::kJson:
      case DataType::kBytes:
      case DataType::kAny:
        if (stats.bytes_min.size() > kMaxStatisticsBytes || stats.bytes_max.size() > kMaxStatisticsBytes) {
          return std::nullopt;
        }
        return Value(want_max ? stats.bytes_max : stats.bytes_min);
      default:
        return Value(want_max ? stats.int_max : stats.int_min);
    }
  }

  // Appends the plain encoding of values [begin, end).
  void encode_plain(size_t begin, size_t end, std::string* out) const {
    switch (physical) {
      case PhysicalType::kBoolean: {
        uint8_t byte = 0;
        int bit = 0;
        for (size_t idx = begin; idx < end; ++idx) {
          byte |= static_cast<uint8_t>((ints[idx] & 1) << bit);
          if (++bit == 8) {
            *out += static_cast<char>(byte);
            byte = 0;
            bit = 0;
          }
        }
        if (bit != 0) *out += static_cast<char>(byte);
        break;
      }
      case PhysicalType::kInt32:
        for (size_t idx = begin; idx < end; ++idx) put_le(*out, static_cast<int32_t>(ints[idx]));
        break;
      case PhysicalType::kInt64:
        out->append(reinterpret_cast<const char*>(ints.data() + begin), (end - begin) * sizeof(int64_t));
        break;
      case PhysicalType::kDouble:
        out->append(reinterpret_cast<const char*>(doubles.data() + begin), (end - begin) * sizeof(double));
        break;
      case PhysicalType::kFixedLenByteArray:
        if (storage == Storage::kWide) {
          for (size_t idx = begin; idx < end; ++idx) *out += big_endian_16(wide[idx]);
        } else {
          for (size_t idx = begin; idx < end; ++idx) out->append(bytes_at(idx));
        }
        break;
      case PhysicalType::kByteArray:
        for (size_t idx = begin; idx < end; ++idx) {
          const std::string_view value = bytes_at(idx);
          put_le(*out, static_cast<uint32_t>(value.size()));
          out->append(value);
        }
        break;
      case PhysicalType::kFloat:
      case PhysicalType::kInt96:
        break;
    }
  }

  size_t plain_size(size_t idx) const {
    switch (physical) {
      case PhysicalType::kBoolean:
        return 1;
      case PhysicalType::kInt32:
        return 4;
      case PhysicalType::kInt64:
      case PhysicalType::kDouble:
        return 8;
      case PhysicalType::kFixedLenByteArray:
        return 16;
      default:
        return 4 + bytes_at(idx).size();
    }
  }
};

// A dictionary of one column chunk: indices per value and the distinct values in order.
struct Dictionary {
  std::vector<uint32_t> indices;
  std::vector<size_t> first_positions;  // the value index where each entry first appears
  size_t plain_bytes = 0;
};

template <typename Key, typename KeyOf>
bool build_dictionary(const ColumnBuffer& column, size_t count, size_t byte_limit, KeyOf key_of,
                      Dictionary* dict) {
  std::unordered_map<Key, uint32_t> lookup;
  lookup.reserve(std::min<size_t>(count, 1024));
  dict->indices.resize(count);
  for (size_t idx = 0; idx < count; ++idx) {
    auto [it, inserted] =
        lookup.try_emplace(key_of(idx), static_cast<uint32_t>(dict->first_positions.size()));
    if (inserted) {
      dict->first_positions.push_back(idx);
      dict->plain_bytes += column.plain_size(idx);
      if (dict->plain_bytes > byte_limit) return false;
    }
    dict->indices[idx] = it->second;
    if (idx + 1 == kDictionaryProbeValues && dict->first_positions.size() * 4 > kDictionaryProbeValues * 3)
      return false;
  }
  return true;
}

bool try_dictionary(const ColumnBuffer& column, size_t byte_limit, Dictionary* dict) {
  const size_t count = column.value_count();
  if (column.physical == PhysicalType::kBoolean || count == 0) return false;
  bool built = false;
  switch (column.storage) {
    case Storage::kInts:
      built = build_dictionary<int64_t>(
          column, count, byte_limit, [&](size_t idx) { return column.ints[idx]; }, dict);
      break;
    case Storage::kDoubles:
      built = build_dictionary<uint64_t>(
          column, count, byte_limit,
          [&](size_t idx) {
            uint64_t bits = 0;
            std::memcpy(&bits, &column.doubles[idx], sizeof(bits));
            return bits;
          },
          dict);
      break;
    case Storage::kWide:
      return false;
    case Storage::kBytes:
      built = build_dictionary<std::string_view>(
          column, count, byte_limit, [&](size_t idx) { return column.bytes_at(idx); }, dict);
      break;
  }
  if (!built) return false;
  // Worth it only if the dictionary plus the packed indices are smaller than plain values.
  size_t plain = 0;
  for (size_t idx = 0; idx < count; ++idx) plain += column.plain_size(idx);
  const int width = bit_width_for(static_cast<uint32_t>(dict->first_positions.size() - 1));
  return dict->plain_bytes + (count * width + 7) / 8 < plain;
}

}  // namespace

struct ParquetWriter::State {
  std::vector<ColumnSpec> specs;
  std::vector<ColumnBuffer> columns;
  WriterOptions options;
  Sink sink;
  FileMetaData metadata;
  std::vector<ColumnSummary> summaries;
  uint64_t offset = 0;  // bytes handed to the sink so far
  size_t buffered_rows = 0;
  int64_t rows_written = 0;
  bool finished = false;
  std::string scratch;  // reused page buffers
  std::string compressed;
  std::vector<uint32_t> levels;

  Status emit(std::string_view bytes) {
    KALAM_RETURN_IF_ERROR(sink(bytes));
    offset += bytes.size();
    return Status::ok();
  }

  // Writes one page (header + body) and adds its sizes to the chunk's totals.
  Status emit_page(const PageHeader& header, std::string_view levels_bytes, std::string_view body,
                   ColumnMetaData* meta) {
    std::string header_bytes;
    encode_page_header(header, &header_bytes);
    KALAM_RETURN_IF_ERROR(emit(header_bytes));
    if (!levels_bytes.empty()) KALAM_RETURN_IF_ERROR(emit(levels_bytes));
    KALAM_RETURN_IF_ERROR(emit(body));
    meta->total_compressed_size += static_cast<int64_t>(header_bytes.size()) + header.compressed_page_size;
    meta->total_uncompressed_size +=
        static_cast<int64_t>(header_bytes.size()) + header.uncompressed_page_size;
    return Status::ok();
  }

  Status write_column_chunk(ColumnBuffer& column, RowGroup* group) {
    ColumnChunk& chunk = group->columns.emplace_back();
    ColumnMetaData& meta = chunk.meta_data;
    meta.type = column.physical;
    meta.path_in_schema = {column.spec.name};
    meta.codec = codec_of(options.compression);
    meta.num_values = static_cast<int64_t>(column.defined.size());
    const size_t value_count = column.value_count();
    const int64_t null_count = static_cast<int64_t>(column.defined.size() - value_count);
    const MinMax stats = column.min_max(0, value_count);
    column.file_stats.merge(stats);
    column.file_nulls += null_count;
    meta.statistics.null_count = null_count;
    meta.statistics.min_value = column.encode_bound(stats, false);
    meta.statistics.max_value = column.encode_bound(stats, true);

    Dictionary dict;
    const bool use_dictionary = try_dictionary(column, options.dictionary_bytes, &dict);
    int index_width = 0;
    if (use_dictionary) {
      meta.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
      meta.dictionary_page_offset = static_cast<int64_t>(offset);
      index_width = bit_width_for(static_cast<uint32_t>(dict.first_positions.size() - 1));
      std::string& plain = scratch;
      plain.clear();
      for (size_t position : dict.first_positions) column.encode_plain(position, position + 1, &plain);
      KALAM_ASSIGN_OR_RETURN(std::string_view body,
                             compress_page(options.compression, options.zstd_level, plain, &compressed));
      PageHeader header;
      header.type = PageType::kDictionaryPage;
      header.uncompressed_page_size = static_cast<int32_t>(plain.size());
      header.compressed_page_size = static_cast<int32_t>(body.size());
      header.dictionary_page.num_values = static_cast<int32_t>(dict.first_positions.size());
      header.dictionary_page.encoding = Encoding::kPlain;
      KALAM_RETURN_IF_ERROR(emit_page(header, {}, body, &meta));
    } else {
      meta.encodings = {Encoding::kPlain, Encoding::kRle};
    }
    meta.data_page_offset = static_cast<int64_t>(offset);
    chunk.file_offset = meta.dictionary_page_offset.value_or(meta.data_page_offset);

    const size_t row_count = column.defined.size();
    size_t row = 0;
    size_t value = 0;
    std::string levels_bytes;
    do {
      // One page: up to page_rows rows and about page_bytes of plain values.
      const size_t row_begin = row;
      const size_t value_begin = value;
      size_t page_bytes = 0;
      while (row < row_count && row - row_begin < options.page_rows && page_bytes < options.page_bytes) {
        if (column.defined[row]) page_bytes += column.plain_size(value++);
        ++row;
      }
      levels_bytes.clear();
      if (column.spec.nullable) {
        levels.assign(column.defined.begin() + row_begin, column.defined.begin() + row);
        rle_hybrid_encode(levels.data(), levels.size(), 1, &levels_bytes);
      }
      std::string& values = scratch;
      values.clear();
      if (use_dictionary) {
        values += static_cast<char>(index_width);
        rle_hybrid_encode(dict.indices.data() + value_begin, value - value_begin, index_width, &values);
      } else {
        column.encode_plain(value_begin, value, &values);
      }
      KALAM_ASSIGN_OR_RETURN(std::string_view body,
                             compress_page(options.compression, options.zstd_level, values, &compressed));
      PageHeader header;
      header.type = PageType::kDataPageV2;
      header.uncompressed_page_size = static_cast<int32_t>(levels_bytes.size() + values.size());
      header.compressed_page_size = static_cast<int32_t>(levels_bytes.size() + body.size());
      DataPageHeaderV2& v2 = header.data_page_v2;
      v2.num_values = static_cast<int32_t>(row - row_begin);
      v2.num_nulls = static_cast<int32_t>((row - row_begin) - (value - value_begin));
      v2.num_rows = v2.num_values;
      v2.encoding = use_dictionary ? Encoding::kRleDictionary : Encoding::kPlain;
      v2.definition_levels_byte_length = static_cast<int32_t>(levels_bytes.size());
      v2.repetition_levels_byte_length = 0;
      v2.is_compressed = options.compression != Compression::kNone;
      KALAM_RETURN_IF_ERROR(emit_page(header, levels_bytes, body, &meta));
    } while (row < row_count);
    return Status::ok();
  }

  Status write_row_group() {
    if (buffered_rows == 0) return Status::ok();
    if (offset == 0) KALAM_RETURN_IF_ERROR(emit(kMagic));
    RowGroup& group = metadata.row_groups.emplace_back();
    group.num_rows = static_cast<int64_t>(buffered_rows);
    group.file_offset = static_cast<int64_t>(offset);
    group.ordinal = static_cast<int16_t>(metadata.row_groups.size() - 1);
    for (ColumnBuffer& column : columns) {
      KALAM_RETURN_IF_ERROR(write_column_chunk(column, &group));
      group.total_byte_size += group.columns.back().meta_data.total_uncompressed_size;
      group.total_compressed_size += group.columns.back().meta_data.total_compressed_size;
      column.clear();
    }
    metadata.num_rows += group.num_rows;
    rows_written += group.num_rows;
    buffered_rows = 0;
    return Status::ok();
  }
};

ParquetWriter::ParquetWriter(std::vector<ColumnSpec> columns, WriterOptions options, Sink sink)
    : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.specs = std::move(columns);
  state.options = std::move(options);
  state.options.row_group_rows = std::max<size_t>(state.options.row_group_rows, 1);
  state.options.page_rows = std::max<size_t>(state.options.page_rows, 1);
  state.sink = std::move(sink);
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(state.specs.size());
  state.metadata.schema.push_back(root);
  for (const ColumnSpec& spec : state.specs) {
    ColumnBuffer& buffer = state.columns.emplace_back();
    buffer.spec = spec;
    buffer.element = schema_element_for(spec);
    buffer.physical = *buffer.element.type;
    buffer.storage = storage_of(spec, buffer.physical);
    state.metadata.schema.push_back(buffer.element);
  }
  state.metadata.key_value_metadata = state.options.key_value_metadata;
  state.metadata.created_by = state.options.created_by;
}

ParquetWriter::~ParquetWriter() = default;

Status ParquetWriter::append_row(const std::vector<Value>& row) {
  State& state = *state_;
  if (state.finished) return Status(ErrorCode::kInternalError, "Parquet writer already finished");
  if (row.size() != state.columns.size()) {
    return Status(ErrorCode::kInvalidArgument, "row has " + std::to_string(row.size()) + " values for " +
                                                   std::to_string(state.columns.size()) + " columns");
  }
  for (size_t column_idx = 0; column_idx < row.size(); ++column_idx) {
    Status status = state.columns[column_idx].push(row[column_idx]);
    if (!status.is_ok()) {
      for (size_t undo = 0; undo < column_idx; ++undo) state.columns[undo].pop_row();
      return status;
    }
  }
  if (++state.buffered_rows >= state.options.row_group_rows) return state.write_row_group();
  return Status::ok();
}

Status ParquetWriter::finish() {
  State& state = *state_;
  if (state.finished) return Status(ErrorCode::kInternalError, "Parquet writer already finished");
  state.finished = true;
  KALAM_RETURN_IF_ERROR(state.write_row_group());
  if (state.offset == 0) KALAM_RETURN_IF_ERROR(state.emit(kMagic));
  std::string footer;
  encode_file_metadata(state.metadata, &footer);
  put_le(footer, static_cast<uint32_t>(footer.size()));
  footer += kMagic;
  KALAM_RETURN_IF_ERROR(state.emit(footer));
  for (const ColumnBuffer& column : state.columns) {
    ColumnSummary& summary = state.summaries.emplace_back();
    summary.min = column.stored_bound(column.file_stats, false);
    summary.max = column.stored_bound(column.file_stats, true);
    summary.null_count = column.file_nulls;
  }
  return Status::ok();
}

int64_t ParquetWriter::rows_written() const {
  return state_->rows_written + static_cast<int64_t>(state_->buffered_rows);
}
uint64_t ParquetWriter::bytes_written() const { return state_->offset; }
const std::vector<ColumnSpec>& ParquetWriter::columns() const { return state_->specs; }
const std::vector<ColumnSummary>& ParquetWriter::column_summaries() const { return state_->summaries; }

Result<std::string> write_parquet(const std::vector<ColumnSpec>& columns,
                                  const std::vector<std::vector<Value>>& rows, const WriterOptions& options) {
  std::string file;
  ParquetWriter writer(columns, options, [&](std::string_view bytes) {
    file.append(bytes);
    return Status::ok();
  });
  for (const auto& row : rows) KALAM_RETURN_IF_ERROR(writer.append_row(row));
  KALAM_RETURN_IF_ERROR(writer.finish());
  return file;
}

}  // namespace kalam::parquet

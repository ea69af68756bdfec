// Parquet's file metadata and page headers (parquet.thrift, format 2.x) as plain structs,
// with their Thrift compact encoders and bounds-checked decoders. Only the fields KalamDB
// writes or needs to read are kept; unknown fields are skipped when reading.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kalam::parquet {

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Codec : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6 };

enum class Encoding : int32_t { kPlain = 0, kPlainDictionary = 2, kRle = 3, kRleDictionary = 8 };

enum class PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

// ConvertedType values KalamDB writes next to the logical type, for older readers.
enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kDecimal = 5,
  kDate = 6,
  kTimeMicros = 8,
  kTimestampMicros = 10,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
};

enum class TimeUnit : uint8_t { kMillis, kMicros, kNanos };

// The LogicalType union (only the members KalamDB uses are named; others read as kOther).
struct LogicalType {
  enum class Kind : uint8_t {
    kNone,
    kString,
    kDecimal,
    kDate,
    kTime,
    kTimestamp,
    kInteger,
    kJson,
    kUuid,
    kOther
  };
  Kind kind = Kind::kNone;
  int32_t scale = 0;                  // kDecimal
  int32_t precision = 0;              // kDecimal
  bool adjusted_to_utc = false;       // kTime, kTimestamp
  TimeUnit unit = TimeUnit::kMicros;  // kTime, kTimestamp
  int8_t bit_width = 0;               // kInteger
  bool is_signed = true;              // kInteger
};

struct SchemaElement {
  std::optional<PhysicalType> type;  // absent for the root (a group)
  int32_t type_length = 0;
  std::optional<Repetition> repetition;
  std::string name;
  int32_t num_children = 0;
  std::optional<ConvertedType> converted_type;
  int32_t scale = 0;
  int32_t precision = 0;
  std::optional<int32_t> field_id;
  LogicalType logical;
};

struct Statistics {
  std::optional<std::string> min_value;  // plain-encoded, type-defined order
  std::optional<std::string> max_value;
  std::optional<int64_t> null_count;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::kBoolean;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  Statistics statistics;
};

struct ColumnChunk {
  int64_t file_offset = 0;
  ColumnMetaData meta_data;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  int64_t file_offset = 0;
  int64_t total_compressed_size = 0;
  int16_t ordinal = 0;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct FileMetaData {
  int32_t version = 2;
  std::vector<SchemaElement> schema;  // [0] is the root group, then one leaf per column
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct PageHeader {
  PageType type = PageType::kDataPageV2;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  DataPageHeader data_page;              // type kDataPage
  DictionaryPageHeader dictionary_page;  // type kDictionaryPage
  DataPageHeaderV2 data_page_v2;         // type kDataPageV2
};

// Appends the compact encoding of `metadata`; every leaf column gets a TYPE_ORDER column
// order, so readers use min_value/max_value.
void encode_file_metadata(const FileMetaData& metadata, std::string* out);
// Decodes a footer. Malformed input → kInternalStorageError.
Status decode_file_metadata(std::string_view data, FileMetaData* metadata);

void encode_page_header(const PageHeader& header, std::string* out);
// Decodes the page header at the start of `data`; *header_size is its length in bytes.
Status decode_page_header(std::string_view data, PageHeader* header, size_t* header_size);

}  // namespace kalam::parquet

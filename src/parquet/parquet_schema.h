// How KalamDB column types map onto Parquet physical and logical types, and the
// conversions between KalamDB's stored values (catalog/value_coercion.h) and Parquet's.
//
//   KalamDB        physical                      logical (converted)
//   BOOLEAN        BOOLEAN                       -
//   SMALLINT       INT32                         INTEGER(16, signed) (INT_16)
//   INT            INT32                         -
//   BIGINT         INT64                         -
//   FLOAT, DOUBLE  DOUBLE                        -   (KalamDB's FLOAT holds 64-bit values)
//   DECIMAL(p,s)   INT32 p<=9, INT64 p<=18,      DECIMAL(p, s) (DECIMAL)
//                  FIXED_LEN_BYTE_ARRAY(16)      (big-endian two's complement)
//   TEXT           BYTE_ARRAY                    STRING (UTF8)
//   JSON           BYTE_ARRAY                    JSON (JSON)
//   BYTES          BYTE_ARRAY                    -
//   TIMESTAMP      INT64                         TIMESTAMP(UTC, MICROS) (TIMESTAMP_MICROS)
//   DATE           INT32                         DATE (DATE)
//   TIME           INT64                         TIME(local, MICROS)
//   UUID           FIXED_LEN_BYTE_ARRAY(16)      UUID
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/data_type.h"
#include "common/status.h"
#include "common/value.h"
#include "parquet/parquet_metadata.h"

namespace kalam::parquet {

// One column of a file KalamDB writes or reads.
struct ColumnSpec {
  std::string name;
  DataType type = DataType::kText;
  int32_t precision = 0;  // DECIMAL only
  int32_t scale = 0;      // DECIMAL only
  bool nullable = true;
  std::optional<int32_t> field_id;  // KalamDB writes the column id here
};

enum class Compression : uint8_t { kNone, kSnappy, kZstd };

// "snappy" | "zstd" | "none" (case-sensitive, as in the config file).
std::optional<Compression> parse_compression(std::string_view name);
Codec codec_of(Compression compression);

// The schema element of a column (REQUIRED when not nullable).
SchemaElement schema_element_for(const ColumnSpec& column);

// The KalamDB column a schema leaf describes; kNotImplemented for a physical/logical
// combination KalamDB does not read (INT96, nested types, unsigned integers).
Result<ColumnSpec> column_spec_from(const SchemaElement& element);

// DECIMAL text (canonical or not: [-]digits[.digits]) → the unscaled integer at `scale`;
// kInvalidArgument for anything else, more fractional digits than `scale`, or more than 38 digits.
Result<__int128> decimal_to_unscaled(std::string_view text, int32_t scale);
// The canonical DECIMAL text of value_coercion.h.
std::string decimal_from_unscaled(__int128 unscaled, int32_t scale);

// UUID text (8-4-4-4-12 hex) → 16 bytes; kInvalidArgument otherwise.
Result<std::string> uuid_to_bytes(std::string_view text);
// 16 bytes → lower-case 8-4-4-4-12 text. REQUIRES: bytes.size() == 16.
std::string uuid_from_bytes(std::string_view bytes);

}  // namespace kalam::parquet

// Page compression codecs of KalamDB's Parquet files: Snappy and Zstd (and none).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "parquet/parquet_metadata.h"
#include "parquet/parquet_schema.h"

namespace kalam::parquet {

// The page body for `input`: `input` itself for kNone, else its compressed form, held in
// *buffer (overwritten). Fails only if the codec library does.
Result<std::string_view> compress_page(Compression compression, int zstd_level, std::string_view input,
                                       std::string* buffer);

// Decompresses a page body into *out, which must come out exactly `uncompressed_size`
// bytes long; anything else (a codec KalamDB does not read, corrupt input, a size
// mismatch) → kInternalStorageError.
Status decompress_page(Codec codec, std::string_view input, size_t uncompressed_size, std::string* out);

}  // namespace kalam::parquet

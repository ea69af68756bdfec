// Snappy and Zstd page compression (see page_compression.h).
#include "parquet/page_compression.h"

#include <snappy.h>
#include <zstd.h>

namespace kalam::parquet {
namespace {

Status corrupt(std::string_view what) {
  return Status(ErrorCode::kInternalStorageError, "corrupt Parquet page: " + std::string(what));
}

// One compression context per thread: creating one per page costs more than the page.
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts contexts;
  return contexts;
}

}  // namespace

Result<std::string_view> compress_page(Compression compression, int zstd_level, std::string_view input,
                                       std::string* buffer) {
  switch (compression) {
    case Compression::kNone:
      return input;
    case Compression::kSnappy: {
      buffer->resize(snappy::MaxCompressedLength(input.size()));
      size_t length = 0;
      snappy::RawCompress(input.data(), input.size(), buffer->data(), &length);
      buffer->resize(length);
      return std::string_view(*buffer);
    }
    case Compression::kZstd: {
      buffer->resize(ZSTD_compressBound(input.size()));
      const size_t length = ZSTD_compressCCtx(zstd_contexts().compress, buffer->data(), buffer->size(),
                                              input.data(), input.size(), zstd_level);
      if (ZSTD_isError(length)) {
        return Status(ErrorCode::kInternalError,
                      std::string("zstd compression failed: ") + ZSTD_getErrorName(length));
      }
      buffer->resize(length);
      return std::string_view(*buffer);
    }
  }
  return Status(ErrorCode::kInternalError, "unknown compression");
}

Status decompress_page(Codec codec, std::string_view input, size_t uncompressed_size, std::string* out) {
  switch (codec) {
    case Codec::kUncompressed:
      if (input.size() != uncompressed_size) return corrupt("page size mismatch");
      out->assign(input);
      return Status::ok();
    case Codec::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &length) ||
          length != uncompressed_size) {
        return corrupt("bad Snappy page");
      }
      out->resize(length);
      if (!snappy::RawUncompress(input.data(), input.size(), out->data())) return corrupt("bad Snappy page");
      return Status::ok();
    }
    case Codec::kZstd: {
      out->resize(uncompressed_size);
      const size_t length = ZSTD_decompressDCtx(zstd_contexts().decompress, out->data(), out->size(),
                                                input.data(), input.size());
      if (ZSTD_isError(length) || length != uncompressed_size) return corrupt("bad Zstd page");
      return Status::ok();
    }
    case Codec::kGzip:
      break;
  }
  return corrupt("compression codec " + std::to_string(static_cast<int>(codec)) + " is not supported");
}

}  // namespace kalam::parquet

// Fuzzes the order-preserving key decoder: reads typed values until the input ends or
// is refused.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/key_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kalam::KeyDecoder decoder(bytes);
  for (int step = 0; step < 64 && !decoder.done(); ++step) {
    auto type = decoder.peek_type();
    if (!type.is_ok()) break;
    bool ok = true;
    switch (*type) {
      case kalam::KeyType::kNull:
        ok = decoder.read_null().is_ok();
        break;
      case kalam::KeyType::kBool:
        ok = decoder.read_bool().is_ok();
        break;
      case kalam::KeyType::kInt64:
        ok = decoder.read_int64().is_ok();
        break;
      case kalam::KeyType::kDouble:
        ok = decoder.read_double().is_ok();
        break;
      case kalam::KeyType::kString:
        ok = decoder.read_string().is_ok();
        break;
      case kalam::KeyType::kBytes:
        ok = decoder.read_bytes().is_ok();
        break;
      default:
        ok = decoder.read_u64().is_ok();
        break;
    }
    if (!ok) break;
  }
  (void)kalam::prefix_successor(bytes);
  return 0;
}

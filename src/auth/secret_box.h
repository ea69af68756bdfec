// Encryption at rest of storage credentials: AES-256-GCM (OpenSSL EVP) with a key
// derived by SHA-256 from `[storage] secrets_key` or `[auth] jwt_secret`.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace kalam {

// Returns base64(nonce || ciphertext || tag).
Result<std::string> seal_secret(std::string_view plaintext, std::string_view key_material);
// Inverse of seal_secret; a wrong key or tampered data → kInternalError.
Result<std::string> open_secret(std::string_view sealed, std::string_view key_material);

}  // namespace kalam

// Base64 (RFC 4648 §4) and base64url (§5) encoding with strict, canonical decoding.
// Used by HTTP Basic authentication and by JWTs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kalam {

// Standard alphabet, with '=' padding.
std::string base64_encode(std::string_view data);

// Decodes standard base64. Strict: the length must be a multiple of 4, padding may only
// appear at the end, whitespace and characters outside the alphabet are rejected, and the
// unused bits of the last symbol must be zero (so every byte string has one encoding).
// Returns std::nullopt for any invalid input.
std::optional<std::string> base64_decode(std::string_view encoded);

// URL-safe alphabet ('-' and '_'), without padding (as used by JWT).
std::string base64url_encode(std::string_view data);

// Decodes unpadded base64url with the same strictness as base64_decode; '=' is rejected.
std::optional<std::string> base64url_decode(std::string_view encoded);

}  // namespace kalam

// JSON Web Tokens signed with HMAC-SHA256 (spec/api.md § Authentication): issuing and
// verifying KalamDB access and refresh tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kalam {

inline constexpr std::string_view kJwtIssuer = "kalamdb";
inline constexpr std::string_view kAccessTokenType = "access";
inline constexpr std::string_view kRefreshTokenType = "refresh";

struct JwtClaims {
  std::string sub;   // user id
  std::string role;  // role name at issue time (authorization re-reads system.users)
  std::string iss = std::string(kJwtIssuer);
  std::string token_type;  // kAccessTokenType | kRefreshTokenType
  int64_t iat = 0;         // issued at, Unix seconds
  int64_t exp = 0;         // expires at, Unix seconds
  // The user's token generation at issue time: a password or role change raises it and
  // so revokes every token issued before (absent in a token = 0).
  int64_t gen = 0;
  // Refresh tokens: the session ("token family") and this token's id within it; each
  // refresh replaces the family's current id (rotation, reuse detection).
  std::string fam;
  std::string jti;
};

// How far in the future a token's `iat` may lie (clock skew between servers).
inline constexpr int64_t kJwtMaxClockSkewSeconds = 60;

// HMAC-SHA256(key, data) (32 raw bytes), or std::nullopt if OpenSSL fails.
std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data);

// Returns the compact token `base64url(header).base64url(payload).base64url(signature)` with
// header {"alg":"HS256","typ":"JWT"} and the claims as the payload.
// REQUIRES: `secret` is non-empty (jwt_verify refuses an empty secret).
std::string jwt_sign(const JwtClaims& claims, std::string_view secret);

// Verifies `token` and returns its claims. The signature is checked (constant-time) before
// anything else is parsed. Errors:
//   INVALID_TOKEN  — malformed token, bad signature, alg other than HS256 (including
//                    "none"), iss other than "kalamdb", token_type other than access/refresh,
//                    missing or mistyped claims (sub, role, iss, token_type, iat, exp);
//                    an iat more than kJwtMaxClockSkewSeconds after now_unix_seconds;
//   TOKEN_EXPIRED  — a valid token whose exp <= now_unix_seconds;
//   INTERNAL_ERROR — empty secret or an OpenSSL failure.
// Does not check which token_type the caller needs: a caller accepting only access tokens
// must compare claims.token_type itself. Thread-safe.
Result<JwtClaims> jwt_verify(std::string_view token, std::string_view secret, int64_t now_unix_seconds);

}  // namespace kalam

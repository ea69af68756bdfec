// JSON Web Tokens signed with HMAC-SHA256 (spec/api.md § Authentication): issuing and
// verifying KalamDB access and refresh tokens.
#pragma once

#include <cstdint>
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
};

// Returns the compact token `base64url(header).base64url(payload).base64url(signature)` with
// header {"alg":"HS256","typ":"JWT"} and the claims as the payload.
// REQUIRES: `secret` is non-empty (jwt_verify refuses an empty secret).
std::string jwt_sign(const JwtClaims& claims, std::string_view secret);

// Verifies `token` and returns its claims. The signature is checked (constant-time) before
// anything else is parsed. Errors:
//   INVALID_TOKEN  — malformed token, bad signature, alg other than HS256 (including
//                    "none"), iss other than "kalamdb", token_type other than access/refresh,
//                    missing or mistyped claims (sub, role, iss, token_type, iat, exp);
//   TOKEN_EXPIRED  — a valid token whose exp <= now_unix_seconds;
//   INTERNAL_ERROR — empty secret or an OpenSSL failure.
// Does not check which token_type the caller needs: a caller accepting only access tokens
// must compare claims.token_type itself. Thread-safe.
Result<JwtClaims> jwt_verify(std::string_view token, std::string_view secret, int64_t now_unix_seconds);

}  // namespace kalam

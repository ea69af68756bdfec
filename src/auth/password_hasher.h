// Password hashing with bcrypt ($2b$, libxcrypt) and the password length policy
// (spec/sql.md § Users: bcrypt, 8..72 bytes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace kalam {

inline constexpr size_t kPasswordMinBytes = 8;
// bcrypt only reads the first 72 bytes of a password.
inline constexpr size_t kPasswordMaxBytes = 72;
inline constexpr int kBcryptMinCost = 4;
inline constexpr int kBcryptMaxCost = 31;

// OK when the password is kPasswordMinBytes..kPasswordMaxBytes bytes long and has no NUL
// byte; else INVALID_ARGUMENT. The message never contains the password.
Status validate_password_policy(std::string_view password);

// Returns a bcrypt hash "$2b$<cost>$<salt+hash>" with a fresh 16-byte salt from RAND_bytes.
// Does not apply the length policy (callers creating users call validate_password_policy),
// but refuses what bcrypt would silently alter: INVALID_ARGUMENT for a NUL byte or more than
// kPasswordMaxBytes bytes, and for `cost` outside kBcryptMinCost..kBcryptMaxCost.
// INTERNAL_ERROR if the random generator or libcrypt fails. Thread-safe; takes about
// 2^cost bcrypt rounds of CPU (cost 12: ~0.4 s on the dev box), so keep it off I/O threads.
Result<std::string> hash_password(std::string_view password, int cost);

// True when `password` matches `stored_hash` (a bcrypt $2a$/$2b$/$2y$ hash). Returns false
// for malformed hashes, for passwords containing NUL or longer than kPasswordMaxBytes.
// The final comparison is constant-time. Thread-safe; same cost as hash_password.
bool verify_password(std::string_view password, std::string_view stored_hash);

}  // namespace kalam

// AuthService: login, token issue/refresh, Bearer and Basic authentication, lockout
// and the root bootstrap (api.md § Authentication). Login events are audited in
// the same batch as the user-record update they cause.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "auth/jwt.h"
#include "auth/role.h"
#include "auth/user_store.h"
#include "common/ids.h"
#include "common/status.h"

namespace kalam {

struct AuthSettings {
  std::string jwt_secret;
  int bcrypt_cost = 12;
  int64_t access_token_ttl_seconds = 3600;
  int64_t refresh_token_ttl_seconds = 604800;
  int64_t max_failed_attempts = 5;
  int64_t lockout_minutes = 15;
};

// Who is asking, for audit rows and the loopback rule of a password-less root.
struct RequestOrigin {
  std::string ip_address;
  std::string request_id;
  bool is_loopback = false;
};

struct AuthenticatedUser {
  std::string user_id;
  Role role = Role::kAnonymous;
  std::string email;
  int64_t created_at_us = 0;
};

struct IssuedTokens {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_at = 0;          // unix seconds
  int64_t refresh_expires_at = 0;  // unix seconds
  AuthenticatedUser user;
};

class AuthService {
 public:
  AuthService(UserStore& users, StorageEngine& storage, SnowflakeGenerator& ids, AuthSettings settings);

  // Creates `root` (role system) on first start. With a password, it is hashed;
  // without one, root may only log in from loopback with an empty password.
  // Returns true when root has no password (the caller logs a warning).
  Result<bool> bootstrap_root(const std::optional<std::string>& root_password);

  // Verifies the password (bcrypt), applies lockout, records last_login_at or the
  // failure count, audits LOGIN / LOGIN_FAILED, and returns a fresh token pair.
  Result<IssuedTokens> login(std::string_view user_id, std::string_view password,
                             const RequestOrigin& origin);

  // Rotates the pair; REQUIRES a refresh token (access tokens are refused).
  Result<IssuedTokens> refresh(std::string_view refresh_token, const RequestOrigin& origin);

  // Authenticates an `Authorization` header value (Bearer access JWT or Basic).
  // Missing header → AUTH_REQUIRED. The role is always re-read from the user store.
  Result<AuthenticatedUser> authenticate(const std::string* authorization_header,
                                         const RequestOrigin& origin);

  const AuthSettings& settings() const { return settings_; }

 private:
  Result<AuthenticatedUser> verify_password_login(std::string_view user_id, std::string_view password,
                                                  const RequestOrigin& origin, bool audit_success);
  Result<AuthenticatedUser> active_user(std::string_view user_id, ErrorCode missing_code) const;
  IssuedTokens issue_tokens(const AuthenticatedUser& user) const;
  // The user id of an access token verified before and not yet expired (exact bytes).
  std::optional<std::string> cached_access_token(std::string_view token, int64_t now_unix_seconds);
  void remember_access_token(std::string_view token, const JwtClaims& claims);

  UserStore& users_;
  StorageEngine& storage_;
  SnowflakeGenerator& ids_;
  AuthSettings settings_;
  std::string dummy_hash_;  // verified against for unknown users (equal timing)

  // Access tokens whose signature was verified: token → (user id, exp). Skips the
  // HMAC and JSON parse of a token seen before; the user and role are still read per
  // request. Bounded: cleared when full.
  static constexpr size_t kVerifiedTokenCapacity = 4096;
  std::mutex verified_mu_;
  std::unordered_map<std::string, std::pair<std::string, int64_t>> verified_;  // guarded by verified_mu_
};

}  // namespace kalam

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
#include "auth/login_throttle.h"
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

// Whether `ip` (as the server reports a peer: IPv4, IPv6, IPv4-mapped) is a loopback address.
bool is_loopback_address(std::string_view ip);

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
  int64_t token_generation = 0;  // UserRecord::token_generation
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

  // Rotates the pair; REQUIRES a refresh token (access tokens are refused). Each
  // refresh token works once: presenting one that was already used revokes its whole
  // family (the session it came from), since one of the two holders is not the user.
  Result<IssuedTokens> refresh(std::string_view refresh_token, const RequestOrigin& origin);

  // Authenticates an `Authorization` header value (Bearer access JWT or Basic).
  // Missing header → AUTH_REQUIRED. The role is always re-read from the user store.
  Result<AuthenticatedUser> authenticate(const std::string* authorization_header,
                                         const RequestOrigin& origin);

  const AuthSettings& settings() const { return settings_; }

 private:
  Result<AuthenticatedUser> verify_password_login(std::string_view user_id, std::string_view password,
                                                  const RequestOrigin& origin, bool audit_success);
  // The user, when it exists, is not dropped and (given a token's generation) has not
  // changed its password or role since.
  Result<AuthenticatedUser> active_user(std::string_view user_id, ErrorCode missing_code,
                                        std::optional<int64_t> token_generation) const;
  // A new token pair in refresh family `family`, whose current token id the batch records.
  IssuedTokens issue_tokens(const AuthenticatedUser& user, const std::string& family,
                            WriteBatch& batch) const;
  // ACCOUNT_LOCKED or RATE_LIMIT_EXCEEDED (audited) when the throttle refuses the attempt.
  Status refuse_if_throttled(const std::string& user_id, const RequestOrigin& origin, int64_t now_us);
  void audit_auth(WriteBatch& batch, const std::string& user_id, std::string action, bool success,
                  std::string reason, const RequestOrigin& origin, int64_t now_us);
  // The claims of an access token verified before and not yet expired (exact bytes).
  std::optional<JwtClaims> cached_access_token(std::string_view token, int64_t now_unix_seconds);
  void remember_access_token(std::string_view token, const JwtClaims& claims);
  // Basic credentials verified within kBasicCacheSeconds, keyed by a keyed hash of
  // user and password: the user, when its generation is unchanged.
  std::optional<AuthenticatedUser> cached_basic(const std::string& key, int64_t now_us);
  void remember_basic(const std::string& key, const AuthenticatedUser& user, int64_t now_us);
  std::string basic_cache_key(std::string_view user_id, std::string_view password) const;

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
  std::unordered_map<std::string, JwtClaims> verified_;  // guarded by verified_mu_

  LoginThrottle throttle_;

  // Refresh families: one refresh at a time checks and replaces a family's token id.
  std::mutex refresh_mu_;

  static constexpr int64_t kBasicCacheSeconds = 300;
  static constexpr size_t kBasicCacheCapacity = 4096;
  struct BasicEntry {
    AuthenticatedUser user;
    int64_t expires_us = 0;
  };
  std::string basic_key_;  // random per process: the cache never holds a password or its plain hash
  std::mutex basic_mu_;
  std::unordered_map<std::string, BasicEntry> basic_;  // guarded by basic_mu_
};

}  // namespace kalam

// AuthService implementation.
#include "auth/auth_service.h"

#include "auth/jwt.h"
#include "auth/password_hasher.h"
#include "common/base64.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "storage/audit_log.h"

namespace kalam {
namespace {

constexpr size_t kMaxPasswordBytes = 72;
constexpr int64_t kMicrosPerSecond = 1000000;

Status invalid_credentials() {
  return Status(ErrorCode::kInvalidCredentials, "invalid username or password");
}

}  // namespace

AuthService::AuthService(UserStore& users, StorageEngine& storage, SnowflakeGenerator& ids,
                         AuthSettings settings)
    : users_(users), storage_(storage), ids_(ids), settings_(std::move(settings)) {
  auto hash = hash_password("kalamdb-timing-equalizer", settings_.bcrypt_cost);
  if (hash.is_ok()) dummy_hash_ = std::move(hash).value();
}

Result<bool> AuthService::bootstrap_root(const std::optional<std::string>& root_password) {
  auto lock = users_.lock_writes();
  auto existing = users_.find(kRootUserId);
  if (existing && (!existing->password_hash.empty() || !root_password || root_password->empty())) {
    return existing->password_hash.empty();
  }
  UserRecord root = existing ? *existing : UserRecord{};
  int64_t now = now_unix_micros();
  if (!existing) {
    root.user_id = std::string(kRootUserId);
    root.role = Role::kSystem;
    root.created_at_us = now;
  }
  root.updated_at_us = now;
  if (root_password && !root_password->empty()) {
    KALAM_RETURN_IF_ERROR(validate_password_policy(*root_password));
    KALAM_ASSIGN_OR_RETURN(root.password_hash, hash_password(*root_password, settings_.bcrypt_cost));
  }
  WriteBatch batch;
  AuditEntry entry;
  entry.audit_id = ids_.next();
  entry.timestamp_us = now;
  entry.actor_user_id = "system";
  entry.subject_user_id = root.user_id;
  entry.action = existing ? "ALTER_USER" : "CREATE_USER";
  entry.target = "user:root";
  entry.details_json = R"({"role":"system","password":"***","bootstrap":true})";
  append_audit_entry(batch, entry);
  KALAM_RETURN_IF_ERROR(users_.commit(batch, root));
  return root.password_hash.empty();
}

Result<AuthenticatedUser> AuthService::active_user(std::string_view user_id, ErrorCode missing_code) const {
  auto record = users_.find(user_id);
  if (!record || record->is_deleted()) {
    return Status(missing_code, missing_code == ErrorCode::kInvalidToken ? "token subject no longer exists"
                                                                         : "invalid username or password");
  }
  return AuthenticatedUser{record->user_id, record->role, record->email, record->created_at_us};
}

Result<AuthenticatedUser> AuthService::verify_password_login(std::string_view raw_user_id,
                                                             std::string_view password,
                                                             const RequestOrigin& origin,
                                                             bool audit_success) {
  std::string user_id = to_lower(raw_user_id);
  int64_t now = now_unix_micros();
  auto audit = [&](WriteBatch& batch, std::string action, bool success, std::string reason) {
    AuditEntry entry;
    entry.audit_id = ids_.next();
    entry.timestamp_us = now;
    entry.actor_user_id = user_id.size() <= 64 ? user_id : user_id.substr(0, 64);
    entry.subject_user_id = entry.actor_user_id;
    entry.action = std::move(action);
    entry.target = "user:" + entry.actor_user_id;
    entry.details_json = reason.empty() ? "{}" : "{\"reason\":\"" + json_escape(reason) + "\"}";
    entry.ip_address = origin.ip_address;
    entry.request_id = origin.request_id;
    entry.success = success;
    append_audit_entry(batch, entry);
  };

  // bcrypt runs without any lock (it is slow by design); the record is re-read under
  // the writer lock only to update counters, so concurrent logins never queue.
  auto record = users_.find(user_id);
  bool password_ok = false;
  if (!record || record->is_deleted() || password.size() > kMaxPasswordBytes ||
      password.find('\0') != std::string_view::npos) {
    if (!dummy_hash_.empty() && password.size() <= kMaxPasswordBytes) {
      verify_password(password, dummy_hash_);  // equal timing for unknown users
    }
  } else if (record->locked_until_us > now) {
    WriteBatch batch;
    audit(batch, "LOGIN_FAILED", false, "account locked");
    storage_.write(batch).permit_unchecked();  // best effort: the denial stands either way
    return Status(ErrorCode::kAccountLocked, "account is locked after too many failed logins")
        .with_detail("locked_until", format_timestamp_micros(record->locked_until_us));
  } else if (record->password_hash.empty()) {
    password_ok = password.empty() && origin.is_loopback && record->user_id == kRootUserId;
  } else {
    password_ok = verify_password(password, record->password_hash);
  }

  if (!password_ok) {
    WriteBatch batch;
    audit(batch, "LOGIN_FAILED", false, record ? "bad password" : "unknown user");
    auto lock = users_.lock_writes();
    auto fresh = record ? users_.find(user_id) : std::nullopt;
    if (fresh && !fresh->is_deleted()) {
      UserRecord updated = *fresh;
      updated.failed_login_attempts += 1;
      if (updated.failed_login_attempts >= settings_.max_failed_attempts) {
        updated.locked_until_us = now + settings_.lockout_minutes * 60 * kMicrosPerSecond;
        updated.failed_login_attempts = 0;
      }
      KALAM_RETURN_IF_ERROR(users_.commit(batch, updated));
    } else {
      KALAM_RETURN_IF_ERROR(storage_.write(batch));
    }
    return invalid_credentials();
  }

  if (audit_success || record->failed_login_attempts != 0 || record->locked_until_us != 0) {
    auto lock = users_.lock_writes();
    auto fresh = users_.find(user_id);
    if (!fresh || fresh->is_deleted()) return invalid_credentials();  // dropped meanwhile
    WriteBatch batch;
    UserRecord updated = *fresh;
    updated.failed_login_attempts = 0;
    updated.locked_until_us = 0;
    if (audit_success) {
      updated.last_login_at_us = now;
      audit(batch, "LOGIN", true, "");
    }
    KALAM_RETURN_IF_ERROR(users_.commit(batch, updated));
  }
  return AuthenticatedUser{record->user_id, record->role, record->email, record->created_at_us};
}

IssuedTokens AuthService::issue_tokens(const AuthenticatedUser& user) const {
  int64_t now = now_unix_micros() / kMicrosPerSecond;
  IssuedTokens tokens;
  JwtClaims claims;
  claims.sub = user.user_id;
  claims.role = std::string(role_name(user.role));
  claims.iat = now;
  claims.exp = now + settings_.access_token_ttl_seconds;
  claims.token_type = "access";
  tokens.access_token = jwt_sign(claims, settings_.jwt_secret);
  tokens.expires_at = claims.exp;
  claims.exp = now + settings_.refresh_token_ttl_seconds;
  claims.token_type = "refresh";
  tokens.refresh_token = jwt_sign(claims, settings_.jwt_secret);
  tokens.refresh_expires_at = claims.exp;
  tokens.user = user;
  return tokens;
}

Result<IssuedTokens> AuthService::login(std::string_view user_id, std::string_view password,
                                        const RequestOrigin& origin) {
  KALAM_ASSIGN_OR_RETURN(AuthenticatedUser user, verify_password_login(user_id, password, origin, true));
  return issue_tokens(user);
}

Result<IssuedTokens> AuthService::refresh(std::string_view refresh_token, const RequestOrigin& origin) {
  KALAM_ASSIGN_OR_RETURN(JwtClaims claims, jwt_verify(refresh_token, settings_.jwt_secret,
                                                      now_unix_micros() / kMicrosPerSecond));
  if (claims.token_type != "refresh") {
    return Status(ErrorCode::kInvalidToken, "a refresh token is required");
  }
  KALAM_ASSIGN_OR_RETURN(AuthenticatedUser user, active_user(claims.sub, ErrorCode::kInvalidToken));
  return issue_tokens(user);
}

std::optional<std::string> AuthService::cached_access_token(std::string_view token,
                                                            int64_t now_unix_seconds) {
  std::lock_guard<std::mutex> lock(verified_mu_);
  auto found = verified_.find(std::string(token));
  if (found == verified_.end()) return std::nullopt;
  if (found->second.second <= now_unix_seconds) {  // expired: jwt_verify gives the error
    verified_.erase(found);
    return std::nullopt;
  }
  return found->second.first;
}

void AuthService::remember_access_token(std::string_view token, const JwtClaims& claims) {
  std::lock_guard<std::mutex> lock(verified_mu_);
  if (verified_.size() >= kVerifiedTokenCapacity) verified_.clear();
  verified_.emplace(std::string(token), std::make_pair(claims.sub, claims.exp));
}

Result<AuthenticatedUser> AuthService::authenticate(const std::string* header, const RequestOrigin& origin) {
  if (header == nullptr || header->empty()) {
    return Status(ErrorCode::kAuthRequired,
                  "authentication required: send a Bearer token or Basic credentials");
  }
  std::string_view value(*header);
  auto scheme_end = value.find(' ');
  std::string_view scheme = value.substr(0, scheme_end);
  std::string_view credentials =
      scheme_end == std::string_view::npos ? std::string_view() : value.substr(scheme_end + 1);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  if (iequals(scheme, "bearer")) {
    int64_t now = now_unix_micros() / kMicrosPerSecond;
    if (auto user_id = cached_access_token(credentials, now))
      return active_user(*user_id, ErrorCode::kInvalidToken);
    KALAM_ASSIGN_OR_RETURN(JwtClaims claims, jwt_verify(credentials, settings_.jwt_secret, now));
    if (claims.token_type != "access") {
      return Status(ErrorCode::kInvalidToken, "a refresh token cannot be used as an access token");
    }
    remember_access_token(credentials, claims);
    return active_user(claims.sub, ErrorCode::kInvalidToken);
  }
  if (iequals(scheme, "basic")) {
    auto decoded = base64_decode(credentials);
    if (!decoded) return Status(ErrorCode::kInvalidCredentials, "malformed Basic credentials");
    auto colon = decoded->find(':');
    if (colon == std::string::npos)
      return Status(ErrorCode::kInvalidCredentials, "malformed Basic credentials");
    std::string user_id = decoded->substr(0, colon);
    std::string password = decoded->substr(colon + 1);
    return verify_password_login(user_id, password, origin, false);
  }
  return Status(ErrorCode::kAuthRequired, "unsupported authorization scheme: use Bearer or Basic");
}

}  // namespace kalam

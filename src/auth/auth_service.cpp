// AuthService implementation.
#include "auth/auth_service.h"

#include <charconv>

#include "auth/jwt.h"
#include "auth/password_hasher.h"
#include "common/base64.h"
#include "common/string_util.h"
#include "common/time_util.h"
#include "storage/audit_log.h"
#include "storage/system_keys.h"

namespace kalam {

bool is_loopback_address(std::string_view ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || ip.rfind("::ffff:127.", 0) == 0;
}
namespace {

constexpr size_t kMaxPasswordBytes = 72;
constexpr int64_t kMicrosPerSecond = 1000000;

Status invalid_credentials() {
  return Status(ErrorCode::kInvalidCredentials, "invalid username or password");
}

std::string family_key(std::string_view user_id, std::string_view family) {
  std::string key = system_keys::make(system_keys::kRefreshFamily, user_id);
  key += '/';
  key.append(family);
  return key;
}

// The stored "<token id> <expiry>" of a refresh family.
struct FamilyState {
  std::string current_jti;
  int64_t expires_at = 0;
};

std::optional<FamilyState> parse_family(std::string_view value) {
  auto space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  FamilyState state;
  state.current_jti = std::string(value.substr(0, space));
  std::string_view number = value.substr(space + 1);
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), state.expires_at);
  if (error != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return state;
}

}  // namespace

AuthService::AuthService(UserStore& users, StorageEngine& storage, SnowflakeGenerator& ids,
                         AuthSettings settings)
    : users_(users),
      storage_(storage),
      ids_(ids),
      settings_(std::move(settings)),
      throttle_(settings_.max_failed_attempts, settings_.lockout_minutes * 60 * kMicrosPerSecond),
      basic_key_(random_hex(32)) {
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
    if (existing) root.token_generation += 1;  // tokens of the password-less root end
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

Result<AuthenticatedUser> AuthService::active_user(std::string_view user_id, ErrorCode missing_code,
                                                   std::optional<int64_t> token_generation) const {
  auto record = users_.find(user_id);
  if (!record || record->is_deleted()) {
    return Status(missing_code, missing_code == ErrorCode::kInvalidToken ? "token subject no longer exists"
                                                                         : "invalid username or password");
  }
  if (token_generation && *token_generation != record->token_generation) {
    return Status(ErrorCode::kInvalidToken, "token was revoked: the user's password or role changed");
  }
  return AuthenticatedUser{record->user_id, record->role, record->email, record->created_at_us,
                           record->token_generation};
}

void AuthService::audit_auth(WriteBatch& batch, const std::string& user_id, std::string action, bool success,
                             std::string reason, const RequestOrigin& origin, int64_t now_us) {
  AuditEntry entry;
  entry.audit_id = ids_.next();
  entry.timestamp_us = now_us;
  entry.actor_user_id = user_id.size() <= 64 ? user_id : user_id.substr(0, 64);
  entry.subject_user_id = entry.actor_user_id;
  entry.action = std::move(action);
  entry.target = "user:" + entry.actor_user_id;
  entry.details_json = reason.empty() ? "{}" : "{\"reason\":\"" + json_escape(reason) + "\"}";
  entry.ip_address = origin.ip_address;
  entry.request_id = origin.request_id;
  entry.success = success;
  append_audit_entry(batch, entry);
}

Status AuthService::refuse_if_throttled(const std::string& user_id, const RequestOrigin& origin,
                                        int64_t now_us) {
  // Locked pairs and throttled sources are refused before bcrypt runs, whether or not
  // the user exists.
  Status refused = throttle_.check(origin.ip_address, user_id, now_us);
  if (refused.is_ok()) return refused;
  WriteBatch batch;
  audit_auth(batch, user_id, "LOGIN_FAILED", false,
             refused.code() == ErrorCode::kAccountLocked ? "locked for this address" : "address throttled",
             origin, now_us);
  storage_.write(batch).permit_unchecked();  // best effort: the denial stands either way
  return refused;
}

Result<AuthenticatedUser> AuthService::verify_password_login(std::string_view raw_user_id,
                                                             std::string_view password,
                                                             const RequestOrigin& origin,
                                                             bool audit_success) {
  std::string user_id = to_lower(raw_user_id);
  int64_t now = now_unix_micros();
  auto audit = [&](WriteBatch& batch, std::string action, bool success, std::string reason) {
    audit_auth(batch, user_id, std::move(action), success, std::move(reason), origin, now);
  };
  KALAM_RETURN_IF_ERROR(refuse_if_throttled(user_id, origin, now));

  // bcrypt runs without any lock (it is slow by design); the record is re-read under
  // the writer lock only to update counters, so concurrent logins never queue.
  auto record = users_.find(user_id);
  bool password_ok = false;
  if (!record || record->is_deleted() || password.size() > kMaxPasswordBytes ||
      password.find('\0') != std::string_view::npos) {
    if (!dummy_hash_.empty() && password.size() <= kMaxPasswordBytes) {
      verify_password(password, dummy_hash_);  // equal timing for unknown users
    }
  } else if (record->password_hash.empty()) {
    password_ok = password.empty() && origin.is_loopback && record->user_id == kRootUserId;
  } else {
    password_ok = verify_password(password, record->password_hash);
  }

  if (!password_ok) {
    std::optional<int64_t> locked_until = throttle_.failed(origin.ip_address, user_id, now);
    WriteBatch batch;
    audit(batch, "LOGIN_FAILED", false, record ? "bad password" : "unknown user");
    auto lock = users_.lock_writes();
    auto fresh = record ? users_.find(user_id) : std::nullopt;
    if (fresh && !fresh->is_deleted()) {
      // For system.users: the failures in a row, and the latest lock placed from any address.
      UserRecord updated = *fresh;
      updated.failed_login_attempts += 1;
      if (locked_until) updated.locked_until_us = *locked_until;
      KALAM_RETURN_IF_ERROR(users_.commit(batch, updated));
    } else {
      KALAM_RETURN_IF_ERROR(storage_.write(batch));
    }
    return invalid_credentials();
  }

  throttle_.succeeded(origin.ip_address, user_id);
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
  return AuthenticatedUser{record->user_id, record->role, record->email, record->created_at_us,
                           record->token_generation};
}

IssuedTokens AuthService::issue_tokens(const AuthenticatedUser& user, const std::string& family,
                                       WriteBatch& batch) const {
  int64_t now = now_unix_micros() / kMicrosPerSecond;
  IssuedTokens tokens;
  JwtClaims claims;
  claims.sub = user.user_id;
  claims.role = std::string(role_name(user.role));
  claims.iat = now;
  claims.exp = now + settings_.access_token_ttl_seconds;
  claims.token_type = "access";
  claims.gen = user.token_generation;
  tokens.access_token = jwt_sign(claims, settings_.jwt_secret);
  tokens.expires_at = claims.exp;
  claims.exp = now + settings_.refresh_token_ttl_seconds;
  claims.token_type = "refresh";
  claims.fam = family;
  claims.jti = random_hex(16);
  tokens.refresh_token = jwt_sign(claims, settings_.jwt_secret);
  tokens.refresh_expires_at = claims.exp;
  batch.put(ColumnFamily::kSystem, family_key(user.user_id, family),
            claims.jti + " " + std::to_string(claims.exp));
  tokens.user = user;
  return tokens;
}

Result<IssuedTokens> AuthService::login(std::string_view user_id, std::string_view password,
                                        const RequestOrigin& origin) {
  KALAM_ASSIGN_OR_RETURN(AuthenticatedUser user, verify_password_login(user_id, password, origin, true));
  WriteBatch batch;
  // Families of this user that expired are removed here, so they never pile up.
  int64_t now = now_unix_micros() / kMicrosPerSecond;
  std::string prefix = family_key(user.user_id, "");
  KALAM_RETURN_IF_ERROR(
      storage_.scan_prefix(ColumnFamily::kSystem, prefix, [&](std::string_view key, std::string_view value) {
        auto state = parse_family(value);
        if (!state || state->expires_at <= now) batch.del(ColumnFamily::kSystem, key);
        return true;
      }));
  IssuedTokens tokens = issue_tokens(user, random_hex(16), batch);
  KALAM_RETURN_IF_ERROR(storage_.write(batch));
  return tokens;
}

Result<IssuedTokens> AuthService::refresh(std::string_view refresh_token, const RequestOrigin& origin) {
  int64_t now_us = now_unix_micros();
  KALAM_ASSIGN_OR_RETURN(JwtClaims claims,
                         jwt_verify(refresh_token, settings_.jwt_secret, now_us / kMicrosPerSecond));
  if (claims.token_type != "refresh") {
    return Status(ErrorCode::kInvalidToken, "a refresh token is required");
  }
  if (claims.fam.empty() || claims.jti.empty()) {
    return Status(ErrorCode::kInvalidToken, "refresh token of an earlier version: log in again");
  }
  std::lock_guard<std::mutex> lock(refresh_mu_);
  std::string key = family_key(claims.sub, claims.fam);
  KALAM_ASSIGN_OR_RETURN(std::optional<std::string> stored, storage_.get(ColumnFamily::kSystem, key));
  std::optional<FamilyState> state = stored ? parse_family(*stored) : std::nullopt;
  if (!state) return Status(ErrorCode::kInvalidToken, "refresh token was revoked: log in again");
  if (state->current_jti != claims.jti) {
    // An earlier token of the family came back: someone kept a copy. The whole family ends.
    WriteBatch batch;
    batch.del(ColumnFamily::kSystem, key);
    audit_auth(batch, claims.sub, "TOKEN_REUSE", false, "a used refresh token was presented; session revoked",
               origin, now_us);
    KALAM_RETURN_IF_ERROR(storage_.write(batch));
    return Status(ErrorCode::kInvalidToken,
                  "refresh token was already used: the session is revoked, log in again");
  }
  KALAM_ASSIGN_OR_RETURN(AuthenticatedUser user,
                         active_user(claims.sub, ErrorCode::kInvalidToken, claims.gen));
  WriteBatch batch;
  IssuedTokens tokens = issue_tokens(user, claims.fam, batch);
  KALAM_RETURN_IF_ERROR(storage_.write(batch));
  return tokens;
}

std::optional<JwtClaims> AuthService::cached_access_token(std::string_view token, int64_t now_unix_seconds) {
  std::lock_guard<std::mutex> lock(verified_mu_);
  auto found = verified_.find(std::string(token));
  if (found == verified_.end()) return std::nullopt;
  if (found->second.exp <= now_unix_seconds) {  // expired: jwt_verify gives the error
    verified_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void AuthService::remember_access_token(std::string_view token, const JwtClaims& claims) {
  std::lock_guard<std::mutex> lock(verified_mu_);
  if (verified_.size() >= kVerifiedTokenCapacity) verified_.clear();
  verified_.emplace(std::string(token), claims);
}

std::string AuthService::basic_cache_key(std::string_view user_id, std::string_view password) const {
  std::string data(user_id);
  data += '\0';
  data.append(password);
  return hmac_sha256(basic_key_, data).value_or(std::string());
}

std::optional<AuthenticatedUser> AuthService::cached_basic(const std::string& key, int64_t now_us) {
  if (key.empty()) return std::nullopt;
  std::optional<BasicEntry> entry;
  {
    std::lock_guard<std::mutex> lock(basic_mu_);
    auto found = basic_.find(key);
    if (found == basic_.end()) return std::nullopt;
    if (found->second.expires_us <= now_us) {
      basic_.erase(found);
      return std::nullopt;
    }
    entry = found->second;
  }
  auto user = active_user(entry->user.user_id, ErrorCode::kInvalidCredentials, entry->user.token_generation);
  if (user.is_ok()) return std::move(user).value();
  std::lock_guard<std::mutex> lock(basic_mu_);  // password or role changed, or dropped
  basic_.erase(key);
  return std::nullopt;
}

void AuthService::remember_basic(const std::string& key, const AuthenticatedUser& user, int64_t now_us) {
  if (key.empty()) return;
  std::lock_guard<std::mutex> lock(basic_mu_);
  if (basic_.size() >= kBasicCacheCapacity) basic_.clear();
  basic_[key] = BasicEntry{user, now_us + kBasicCacheSeconds * kMicrosPerSecond};
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
    if (auto cached = cached_access_token(credentials, now))
      return active_user(cached->sub, ErrorCode::kInvalidToken, cached->gen);
    KALAM_ASSIGN_OR_RETURN(JwtClaims claims, jwt_verify(credentials, settings_.jwt_secret, now));
    if (claims.token_type != "access") {
      return Status(ErrorCode::kInvalidToken, "a refresh token cannot be used as an access token");
    }
    remember_access_token(credentials, claims);
    return active_user(claims.sub, ErrorCode::kInvalidToken, claims.gen);
  }
  if (iequals(scheme, "basic")) {
    auto decoded = base64_decode(credentials);
    if (!decoded) return Status(ErrorCode::kInvalidCredentials, "malformed Basic credentials");
    auto colon = decoded->find(':');
    if (colon == std::string::npos)
      return Status(ErrorCode::kInvalidCredentials, "malformed Basic credentials");
    std::string user_id = to_lower(decoded->substr(0, colon));
    std::string password = decoded->substr(colon + 1);
    int64_t now_us = now_unix_micros();
    KALAM_RETURN_IF_ERROR(refuse_if_throttled(user_id, origin, now_us));
    std::string key = basic_cache_key(user_id, password);
    if (auto cached = cached_basic(key, now_us)) return *cached;
    KALAM_ASSIGN_OR_RETURN(AuthenticatedUser user, verify_password_login(user_id, password, origin, false));
    remember_basic(key, user, now_us);
    return user;
  }
  return Status(ErrorCode::kAuthRequired, "unsupported authorization scheme: use Bearer or Basic");
}

}  // namespace kalam

// AuthService over a real RocksDB: root bootstrap, login, lockout, tokens, Basic.
#include "auth/auth_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "auth/jwt.h"
#include "auth/password_hasher.h"
#include "common/base64.h"
#include "common/time_util.h"
#include "storage/audit_log.h"

namespace kalam {
namespace {

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device seed;
    dir_ = std::filesystem::temp_directory_path() / ("kalam-auth-" + std::to_string(seed()));
    StorageOptions options;
    options.path = dir_.string();
    storage_ = std::move(StorageEngine::open(options)).value();
    users_ = std::make_unique<UserStore>(*storage_);
    ASSERT_TRUE(users_->load().is_ok());
    AuthSettings settings;
    settings.jwt_secret = "unit-test-secret";
    settings.bcrypt_cost = 4;
    settings.max_failed_attempts = 3;
    auth_ = std::make_unique<AuthService>(*users_, *storage_, ids_, settings);
  }
  void TearDown() override {
    auth_.reset();
    users_.reset();
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }
  void add_user(const std::string& user_id, const std::string& password, Role role = Role::kUser) {
    UserRecord record;
    record.user_id = user_id;
    record.role = role;
    record.password_hash = *hash_password(password, 4);
    WriteBatch batch;
    auto lock = users_->lock_writes();
    ASSERT_TRUE(users_->commit(batch, record).is_ok());
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> actions;
    EXPECT_TRUE(scan_audit_log(*storage_, [&](const AuditEntry& entry) {
                  actions.push_back(entry.action + (entry.success ? "" : "!"));
                  return true;
                }).is_ok());
    return actions;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StorageEngine> storage_;
  std::unique_ptr<UserStore> users_;
  SnowflakeGenerator ids_{0};
  std::unique_ptr<AuthService> auth_;
  RequestOrigin loopback_{"127.0.0.1", "req-1", true};
  RequestOrigin remote_{"10.1.2.3", "req-2", false};
};

TEST_F(AuthServiceTest, RootBootstrapWithPassword) {
  auto no_password = auth_->bootstrap_root(std::string("root-password-1"));
  ASSERT_TRUE(no_password.is_ok());
  EXPECT_FALSE(*no_password);
  auto root = users_->find("root");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->role, Role::kSystem);
  EXPECT_TRUE(verify_password("root-password-1", root->password_hash));
  // A later start with another password does not replace the existing one.
  ASSERT_TRUE(auth_->bootstrap_root(std::string("other-password-2")).is_ok());
  EXPECT_TRUE(verify_password("root-password-1", users_->find("root")->password_hash));
}

TEST_F(AuthServiceTest, PasswordlessRootOnlyFromLoopbackWithEmptyPassword) {
  auto no_password = auth_->bootstrap_root(std::nullopt);
  ASSERT_TRUE(no_password.is_ok());
  EXPECT_TRUE(*no_password);
  EXPECT_TRUE(auth_->login("root", "", loopback_).is_ok());
  EXPECT_EQ(auth_->login("root", "", remote_).status().code(), ErrorCode::kInvalidCredentials);
  EXPECT_EQ(auth_->login("root", "x", loopback_).status().code(), ErrorCode::kInvalidCredentials);
  // Setting a password later (env) makes the empty password stop working.
  ASSERT_TRUE(auth_->bootstrap_root(std::string("root-password-1")).is_ok());
  EXPECT_FALSE(auth_->login("root", "", loopback_).is_ok());
}

TEST_F(AuthServiceTest, LoginIssuesAccessAndRefreshTokens) {
  add_user("alice", "alice-pass-1");
  auto tokens = auth_->login("Alice", "alice-pass-1", loopback_);
  ASSERT_TRUE(tokens.is_ok()) << tokens.status().to_string();
  auto access = jwt_verify(tokens->access_token, "unit-test-secret", now_unix_micros() / 1000000);
  ASSERT_TRUE(access.is_ok());
  EXPECT_EQ(access->sub, "alice");
  EXPECT_EQ(access->token_type, "access");
  EXPECT_GT(tokens->refresh_expires_at, tokens->expires_at);
  std::string bearer = "Bearer " + tokens->access_token;
  auto who = auth_->authenticate(&bearer, loopback_);
  ASSERT_TRUE(who.is_ok());
  EXPECT_EQ(who->role, Role::kUser);
  std::string refresh_as_access = "Bearer " + tokens->refresh_token;
  EXPECT_EQ(auth_->authenticate(&refresh_as_access, loopback_).status().code(), ErrorCode::kInvalidToken);
  EXPECT_TRUE(auth_->refresh(tokens->refresh_token, loopback_).is_ok());
  EXPECT_EQ(auth_->refresh(tokens->access_token, loopback_).status().code(), ErrorCode::kInvalidToken);
  EXPECT_GT(users_->find("alice")->last_login_at_us, 0);
  EXPECT_EQ(audit_actions(), std::vector<std::string>{"LOGIN"});
}

TEST_F(AuthServiceTest, RoleIsReReadFromTheStoreNotTheToken) {
  add_user("bob", "bob-pass-123", Role::kDba);
  auto tokens = auth_->login("bob", "bob-pass-123", loopback_);
  ASSERT_TRUE(tokens.is_ok());
  UserRecord demoted = *users_->find("bob");
  demoted.role = Role::kUser;
  {
    WriteBatch batch;
    auto lock = users_->lock_writes();
    ASSERT_TRUE(users_->commit(batch, demoted).is_ok());
  }
  std::string bearer = "Bearer " + tokens->access_token;
  EXPECT_EQ(auth_->authenticate(&bearer, loopback_)->role, Role::kUser);
  demoted.deleted_at_us = 1;
  {
    WriteBatch batch;
    auto lock = users_->lock_writes();
    ASSERT_TRUE(users_->commit(batch, demoted).is_ok());
  }
  EXPECT_EQ(auth_->authenticate(&bearer, loopback_).status().code(), ErrorCode::kInvalidToken);
}

TEST_F(AuthServiceTest, VerifiedTokensAreRememberedButStillChecked) {
  add_user("carol", "carol-pass-1", Role::kDba);
  auto tokens = auth_->login("carol", "carol-pass-1", loopback_);
  ASSERT_TRUE(tokens.is_ok());
  std::string bearer = "Bearer " + tokens->access_token;
  ASSERT_EQ(auth_->authenticate(&bearer, loopback_)->role, Role::kDba);  // verified and remembered
  ASSERT_EQ(auth_->authenticate(&bearer, loopback_)->role, Role::kDba);  // from the cache
  // a token differing in one signature byte is verified, not matched
  std::string tampered = bearer;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(auth_->authenticate(&tampered, loopback_).status().code(), ErrorCode::kInvalidToken);
  // the user is still read per request: a deleted user's cached token stops working
  UserRecord gone = *users_->find("carol");
  gone.deleted_at_us = 1;
  {
    WriteBatch batch;
    auto lock = users_->lock_writes();
    ASSERT_TRUE(users_->commit(batch, gone).is_ok());
  }
  EXPECT_EQ(auth_->authenticate(&bearer, loopback_).status().code(), ErrorCode::kInvalidToken);
  // a remembered token expires like any other
  add_user("dave", "dave-pass-1");
  int64_t now = now_unix_micros() / 1000000;
  JwtClaims claims;
  claims.sub = "dave";
  claims.role = "user";
  claims.token_type = "access";
  claims.iat = now;
  claims.exp = now + 1;
  std::string short_lived = "Bearer " + jwt_sign(claims, "unit-test-secret");
  ASSERT_TRUE(auth_->authenticate(&short_lived, loopback_).is_ok());
  while (now_unix_micros() / 1000000 < now + 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(auth_->authenticate(&short_lived, loopback_).status().code(), ErrorCode::kTokenExpired);
}

TEST_F(AuthServiceTest, LockoutAfterMaxFailedAttempts) {
  add_user("carol", "carol-pass-1");
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(auth_->login("carol", "wrong-pass", remote_).status().code(), ErrorCode::kInvalidCredentials);
  }
  auto locked = auth_->login("carol", "carol-pass-1", remote_);
  ASSERT_EQ(locked.status().code(), ErrorCode::kAccountLocked);
  EXPECT_NE(locked.status().detail("locked_until"), nullptr);
  std::string basic = "Basic " + base64_encode("carol:carol-pass-1");
  EXPECT_EQ(auth_->authenticate(&basic, remote_).status().code(), ErrorCode::kAccountLocked);
  auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "LOGIN_FAILED!"), 5);
}

TEST_F(AuthServiceTest, LocksArePerSourceAndSayNothingAboutWhoExists) {
  add_user("carol", "carol-pass-1");
  for (const char* user : {"carol", "nobody"}) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      EXPECT_EQ(auth_->login(user, "wrong-pass", remote_).status().code(), ErrorCode::kInvalidCredentials);
    }
    auto locked = auth_->login(user, "carol-pass-1", remote_);
    EXPECT_EQ(locked.status().code(), ErrorCode::kAccountLocked) << user;
    EXPECT_NE(locked.status().detail("locked_until"), nullptr) << user;
  }
  EXPECT_GT(users_->find("carol")->locked_until_us, 0) << "system.users shows the latest lock";
  // A stranger's failures do not lock the user out from another address.
  RequestOrigin elsewhere{"10.9.9.9", "req-3", false};
  EXPECT_TRUE(auth_->login("carol", "carol-pass-1", elsewhere).is_ok());
  EXPECT_EQ(auth_->login("carol", "carol-pass-1", remote_).status().code(), ErrorCode::kAccountLocked);
}

TEST_F(AuthServiceTest, ASourceGuessingManyNamesIsThrottled) {
  add_user("frank", "frank-pass-1");
  // 4 × max_failed_attempts (3) failures, each for another name: no pair is locked.
  for (int attempt = 0; attempt < 12; ++attempt) {
    EXPECT_EQ(auth_->login("guess" + std::to_string(attempt), "pw", remote_).status().code(),
              ErrorCode::kInvalidCredentials);
  }
  auto throttled = auth_->login("frank", "frank-pass-1", remote_);
  ASSERT_EQ(throttled.status().code(), ErrorCode::kRateLimitExceeded);
  const auto* retry = std::get_if<int64_t>(throttled.status().detail("retry_after_ms"));
  ASSERT_NE(retry, nullptr);
  EXPECT_GT(*retry, 0);
  EXPECT_LE(*retry, 1000);
  std::string basic = "Basic " + base64_encode("frank:frank-pass-1");
  EXPECT_EQ(auth_->authenticate(&basic, remote_).status().code(), ErrorCode::kRateLimitExceeded);
  EXPECT_TRUE(auth_->login("frank", "frank-pass-1", loopback_).is_ok()) << "other sources are not throttled";
}

TEST_F(AuthServiceTest, RefreshTokensRotateAndAReusedOneRevokesTheSession) {
  add_user("gina", "gina-pass-1");
  auto first = auth_->login("gina", "gina-pass-1", remote_);
  ASSERT_TRUE(first.is_ok());
  auto second = auth_->refresh(first->refresh_token, remote_);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_NE(second->refresh_token, first->refresh_token);
  auto third = auth_->refresh(second->refresh_token, remote_);
  ASSERT_TRUE(third.is_ok());
  // The first token comes back: the family ends, the newest token with it.
  auto reused = auth_->refresh(first->refresh_token, remote_);
  EXPECT_EQ(reused.status().code(), ErrorCode::kInvalidToken);
  EXPECT_NE(reused.status().message().find("already used"), std::string::npos) << reused.status().message();
  EXPECT_EQ(auth_->refresh(third->refresh_token, remote_).status().code(), ErrorCode::kInvalidToken);
  auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "TOKEN_REUSE!"), 1);
  // Another session of the same user is not affected.
  auto other = auth_->login("gina", "gina-pass-1", remote_);
  ASSERT_TRUE(other.is_ok());
  EXPECT_TRUE(auth_->refresh(other->refresh_token, remote_).is_ok());
}

TEST_F(AuthServiceTest, APasswordOrRoleChangeRevokesEarlierTokensAndBasicCredentials) {
  add_user("hank", "hank-pass-1");
  auto tokens = auth_->login("hank", "hank-pass-1", remote_);
  ASSERT_TRUE(tokens.is_ok());
  std::string bearer = "Bearer " + tokens->access_token;
  std::string old_basic = "Basic " + base64_encode("hank:hank-pass-1");
  ASSERT_TRUE(auth_->authenticate(&bearer, remote_).is_ok());     // remembered as verified
  ASSERT_TRUE(auth_->authenticate(&old_basic, remote_).is_ok());  // cached
  {
    auto lock = users_->lock_writes();
    UserRecord record = *users_->find("hank");
    record.password_hash = *hash_password("hank-pass-2", 4);
    record.token_generation += 1;  // what ALTER USER … PASSWORD does
    WriteBatch batch;
    ASSERT_TRUE(users_->commit(batch, record).is_ok());
  }
  EXPECT_EQ(auth_->authenticate(&bearer, remote_).status().code(), ErrorCode::kInvalidToken);
  EXPECT_EQ(auth_->refresh(tokens->refresh_token, remote_).status().code(), ErrorCode::kInvalidToken);
  EXPECT_EQ(auth_->authenticate(&old_basic, remote_).status().code(), ErrorCode::kInvalidCredentials);
  std::string new_basic = "Basic " + base64_encode("hank:hank-pass-2");
  EXPECT_TRUE(auth_->authenticate(&new_basic, remote_).is_ok());
  auto fresh = auth_->login("hank", "hank-pass-2", remote_);
  ASSERT_TRUE(fresh.is_ok());
  std::string fresh_bearer = "Bearer " + fresh->access_token;
  EXPECT_TRUE(auth_->authenticate(&fresh_bearer, remote_).is_ok());
}

TEST_F(AuthServiceTest, SuccessResetsTheFailureCount) {
  add_user("dan", "dan-pass-12");
  EXPECT_FALSE(auth_->login("dan", "wrong-pass", remote_).is_ok());
  EXPECT_FALSE(auth_->login("dan", "wrong-pass", remote_).is_ok());
  EXPECT_TRUE(auth_->login("dan", "dan-pass-12", remote_).is_ok());
  EXPECT_EQ(users_->find("dan")->failed_login_attempts, 0);
  EXPECT_FALSE(auth_->login("dan", "wrong-pass", remote_).is_ok());
  EXPECT_TRUE(auth_->login("dan", "dan-pass-12", remote_).is_ok()) << "not locked: the count restarted";
}

TEST_F(AuthServiceTest, UnknownUserAndBadPasswordLookTheSame) {
  add_user("erin", "erin-pass-1");
  auto unknown = auth_->login("nobody", "whatever1", remote_);
  auto wrong = auth_->login("erin", "whatever1", remote_);
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidCredentials);
  EXPECT_EQ(unknown.status().message(), wrong.status().message());
}

TEST_F(AuthServiceTest, MissingOrMalformedHeaders) {
  EXPECT_EQ(auth_->authenticate(nullptr, loopback_).status().code(), ErrorCode::kAuthRequired);
  for (std::string header : std::vector<std::string>{"Bearer garbage", "Basic ###",
                                                     "Basic " + base64_encode("nocolon"), "Token abc"}) {
    auto result = auth_->authenticate(&header, loopback_);
    EXPECT_FALSE(result.is_ok()) << header;
  }
}

}  // namespace
}  // namespace kalam

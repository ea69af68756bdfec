// Tests for bcrypt password hashing and the password length policy (cost 4 for speed).
#include "auth/password_hasher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace kalam {
namespace {

constexpr int kTestCost = 4;

std::string hash_or_die(std::string_view password) {
  auto hash = hash_password(password, kTestCost);
  EXPECT_TRUE(hash.is_ok()) << hash.status().to_string();
  return hash.is_ok() ? hash.value() : std::string();
}

TEST(PasswordHasherTest, HashHasBcryptFormatAndVerifies) {
  const std::string hash = hash_or_die("correct horse battery");
  EXPECT_TRUE(hash.starts_with("$2b$04$")) << hash;
  EXPECT_EQ(hash.size(), 60u);
  EXPECT_TRUE(verify_password("correct horse battery", hash));
  EXPECT_FALSE(verify_password("correct horse batterY", hash));
  EXPECT_FALSE(verify_password("correct horse battery ", hash));
  EXPECT_FALSE(verify_password("", hash));
}

TEST(PasswordHasherTest, CostIsEncodedInHash) {
  auto hash = hash_password("password-123", 5);
  ASSERT_TRUE(hash.is_ok());
  EXPECT_TRUE(hash->starts_with("$2b$05$")) << *hash;
  EXPECT_TRUE(verify_password("password-123", *hash));
}

TEST(PasswordHasherTest, SaltIsRandom) {
  const std::string first = hash_or_die("same password");
  const std::string second = hash_or_die("same password");
  EXPECT_NE(first, second);
  EXPECT_TRUE(verify_password("same password", first));
  EXPECT_TRUE(verify_password("same password", second));
}

TEST(PasswordHasherTest, RejectsCostOutsideBcryptRange) {
  for (int cost : {-1, 0, 3, 32, 100}) {
    auto hash = hash_password("password-123", cost);
    ASSERT_FALSE(hash.is_ok()) << cost;
    EXPECT_EQ(hash.status().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(PasswordHasherTest, NulBytePasswordsAreRejectedNotTruncated) {
  const std::string prefix = "abcdefgh";
  const std::string with_nul = prefix + std::string("\0suffix", 7);
  auto hash = hash_password(with_nul, kTestCost);
  ASSERT_FALSE(hash.is_ok());
  EXPECT_EQ(hash.status().code(), ErrorCode::kInvalidArgument);

  // A password that is the stored password plus "\0..." must not match.
  const std::string prefix_hash = hash_or_die(prefix);
  EXPECT_TRUE(verify_password(prefix, prefix_hash));
  EXPECT_FALSE(verify_password(with_nul, prefix_hash));
  EXPECT_FALSE(verify_password(prefix + '\0', prefix_hash));

  EXPECT_EQ(validate_password_policy(with_nul).code(), ErrorCode::kInvalidArgument);
}

TEST(PasswordHasherTest, LongPasswordsAreNotSilentlyTruncated) {
  const std::string max_length(kPasswordMaxBytes, 'p');
  const std::string hash = hash_or_die(max_length);
  EXPECT_TRUE(verify_password(max_length, hash));
  // bcrypt ignores bytes after 72: a longer candidate sharing the prefix must still fail.
  EXPECT_FALSE(verify_password(max_length + "extra", hash));

  auto too_long = hash_password(max_length + "x", kTestCost);
  ASSERT_FALSE(too_long.is_ok());
  EXPECT_EQ(too_long.status().code(), ErrorCode::kInvalidArgument);
}

TEST(PasswordHasherTest, MalformedStoredHashesNeverVerify) {
  const std::string hash = hash_or_die("password-123");
  std::string tampered = hash;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  std::string other_salt = hash;
  other_salt[10] = other_salt[10] == 'a' ? 'b' : 'a';
  for (const std::string& stored :
       {std::string(), std::string("password-123"), std::string("$2b$04$"), hash.substr(0, 59), hash + "x",
        tampered, other_salt, std::string("$1$abcdefgh$abcdefghijklmnopqrstuv"), std::string("*0"),
        std::string(hash).replace(4, 2, "99")}) {
    EXPECT_FALSE(verify_password("password-123", stored)) << stored;
  }
  std::string with_nul = hash;
  with_nul[20] = '\0';
  EXPECT_FALSE(verify_password("password-123", with_nul));
}

TEST(PasswordHasherTest, PolicyEnforcesLengthBoundaries) {
  EXPECT_EQ(validate_password_policy(std::string(7, 'a')).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(validate_password_policy(std::string(8, 'a')).is_ok());
  EXPECT_TRUE(validate_password_policy(std::string(72, 'a')).is_ok());
  EXPECT_EQ(validate_password_policy(std::string(73, 'a')).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(validate_password_policy(std::string(10 * 1024, 'a')).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(validate_password_policy("").code(), ErrorCode::kInvalidArgument);
  // Length is in bytes: 4 two-byte characters are 8 bytes.
  EXPECT_TRUE(validate_password_policy("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9").is_ok());
}

TEST(PasswordHasherTest, PolicyMessageNeverContainsThePassword) {
  for (const std::string& password : {std::string("Sh0rt!x"), std::string(73, 'Q') + "Zebra"}) {
    Status status = validate_password_policy(password);
    ASSERT_FALSE(status.is_ok());
    EXPECT_EQ(status.message().find(password), std::string::npos) << status.message();
    EXPECT_EQ(status.to_string().find(password.substr(0, 7)), std::string::npos) << status.to_string();
  }
}

TEST(PasswordHasherTest, ConcurrentHashingAndVerifyingIsThreadSafe) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([thread_idx, &failures] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string password =
            "thread-" + std::to_string(thread_idx) + "-round-" + std::to_string(round);
        auto hash = hash_password(password, kTestCost);
        if (!hash.is_ok() || !verify_password(password, *hash) || verify_password(password + "!", *hash)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kalam

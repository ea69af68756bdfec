// LoginThrottle: per (source, user) locks, per-source delays, IPv6 sources by /64.
#include "auth/login_throttle.h"

#include <gtest/gtest.h>

namespace kalam {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kLockout = 900 * kSecond;

TEST(LoginThrottleTest, APairLocksAfterMaxFailuresUntilTheLockoutEnds) {
  LoginThrottle throttle(3, kLockout);
  int64_t now = 1000 * kSecond;
  EXPECT_FALSE(throttle.failed("10.0.0.1", "bob", now));
  EXPECT_FALSE(throttle.failed("10.0.0.1", "bob", now));
  EXPECT_EQ(throttle.failed("10.0.0.1", "bob", now), now + kLockout);
  EXPECT_EQ(throttle.check("10.0.0.1", "bob", now).code(), ErrorCode::kAccountLocked);
  EXPECT_TRUE(throttle.check("10.0.0.1", "alice", now).is_ok());
  EXPECT_TRUE(throttle.check("10.0.0.2", "bob", now).is_ok());
  EXPECT_TRUE(throttle.check("10.0.0.1", "bob", now + kLockout).is_ok());
}

TEST(LoginThrottleTest, FailuresOlderThanTheLockoutPeriodAreForgotten) {
  LoginThrottle throttle(3, kLockout);
  throttle.failed("10.0.0.1", "bob", 0);
  throttle.failed("10.0.0.1", "bob", 0);
  EXPECT_FALSE(throttle.failed("10.0.0.1", "bob", kLockout + 1)) << "the count restarted";
}

TEST(LoginThrottleTest, SourceDelaysGrowAndASuccessDoesNotResetThem) {
  LoginThrottle throttle(2, kLockout);
  int64_t now = 0;
  for (int name = 0; name < 7; ++name) throttle.failed("10.0.0.1", "u" + std::to_string(name), now);
  EXPECT_TRUE(throttle.check("10.0.0.1", "x", now).is_ok()) << "7 failures < 4 × 2";
  throttle.failed("10.0.0.1", "u7", now);  // the 8th: 1 s
  Status first = throttle.check("10.0.0.1", "x", now);
  ASSERT_EQ(first.code(), ErrorCode::kRateLimitExceeded);
  EXPECT_EQ(std::get<int64_t>(*first.detail("retry_after_ms")), 1000);
  throttle.succeeded("10.0.0.1", "x");
  throttle.failed("10.0.0.1", "u8", now);  // the 9th: 2 s
  EXPECT_EQ(std::get<int64_t>(*throttle.check("10.0.0.1", "x", now).detail("retry_after_ms")), 2000);
  for (int name = 9; name < 60; ++name) throttle.failed("10.0.0.1", "u" + std::to_string(name), now);
  EXPECT_EQ(std::get<int64_t>(*throttle.check("10.0.0.1", "x", now).detail("retry_after_ms")),
            kLockout / 1000)
      << "capped at the lockout period";
}

TEST(LoginThrottleTest, AnIpv6SourceCountsAsItsSlash64) {
  LoginThrottle throttle(2, kLockout);
  throttle.failed("2001:db8:1:2::10", "bob", 0);
  EXPECT_TRUE(throttle.failed("2001:db8:1:2:ffff::1", "bob", 0).has_value());
  EXPECT_EQ(throttle.check("2001:db8:1:2::99", "bob", 0).code(), ErrorCode::kAccountLocked);
  EXPECT_TRUE(throttle.check("2001:db8:1:3::10", "bob", 0).is_ok());
  // IPv4 clients of a dual-stack socket stay distinct
  throttle.failed("::ffff:10.0.0.1", "bob", 0);
  throttle.failed("::ffff:10.0.0.1", "bob", 0);
  EXPECT_TRUE(throttle.check("::ffff:10.0.0.2", "bob", 0).is_ok());
}

}  // namespace
}  // namespace kalam

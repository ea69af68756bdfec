// LoginThrottle: what stands between a password guesser and the bcrypt check
// (docs/security.md § Failed logins). In memory, per source address:
//  - a (source, user name) pair with `max_failures` failed logins in a row is locked
//    for the lockout period: ACCOUNT_LOCKED, whether or not the user exists, so the
//    answer tells nothing about which users exist, and a stranger cannot lock the
//    user out from any other address;
//  - a source with 4 × `max_failures` failures (any user names) within the lockout
//    period gets growing delays (1 s, 2 s, 4 s … up to the lockout period):
//    RATE_LIMIT_EXCEEDED with retry_after_ms. A success does not reset it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace kalam {

class LoginThrottle {
 public:
  LoginThrottle(int64_t max_failures, int64_t lockout_us);

  // OK, ACCOUNT_LOCKED (locked_until) or RATE_LIMIT_EXCEEDED (retry_after_ms).
  Status check(std::string_view source, std::string_view user, int64_t now_us);
  // Records a failed login; returns the pair's lock end when this failure locked it.
  std::optional<int64_t> failed(std::string_view source, std::string_view user, int64_t now_us);
  // A correct password: the pair's failures are forgotten (the source's are not).
  void succeeded(std::string_view source, std::string_view user);

  // Entries kept at most; beyond it, entries without an active lock are dropped.
  static constexpr size_t kCapacity = 65536;

 private:
  struct Entry {
    int64_t failures = 0;
    int64_t last_failure_us = 0;
    int64_t blocked_until_us = 0;
  };
  void make_room(int64_t now_us);

  const int64_t max_failures_;
  const int64_t lockout_us_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> pairs_;    // source + '\0' + user; guarded by mu_
  std::unordered_map<std::string, Entry> sources_;  // guarded by mu_
};

}  // namespace kalam

// LoginThrottle implementation.
#include "auth/login_throttle.h"

#include <arpa/inet.h>

#include <algorithm>

#include "common/time_util.h"

namespace kalam {
namespace {

constexpr int64_t kSourceFactor = 4;  // a source may fail 4 × max_failures times before delays
constexpr int64_t kMicrosPerSecond = 1000000;

// An IPv6 source counts as its /64 (one host usually holds a whole /64).
std::string source_key(std::string_view source) {
  std::string text(source);
  unsigned char address[16];
  if (text.find(':') == std::string::npos || inet_pton(AF_INET6, text.c_str(), address) != 1) return text;
  in6_addr parsed;
  std::copy(address, address + 16, reinterpret_cast<unsigned char*>(&parsed));
  if (IN6_IS_ADDR_V4MAPPED(&parsed)) return text;  // an IPv4 client of a dual-stack socket
  std::fill(address + 8, address + 16, 0);
  char buffer[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, address, buffer, sizeof(buffer)) == nullptr) return text;
  return std::string(buffer) + "/64";
}

std::string pair_key(std::string_view source, std::string_view user) {
  std::string key = source_key(source);
  key += '\0';
  key.append(user);
  return key;
}

}  // namespace

LoginThrottle::LoginThrottle(int64_t max_failures, int64_t lockout_us)
    : max_failures_(std::max<int64_t>(max_failures, 1)), lockout_us_(std::max<int64_t>(lockout_us, 1)) {}

Status LoginThrottle::check(std::string_view source, std::string_view user, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto pair = pairs_.find(pair_key(source, user));
      pair != pairs_.end() && pair->second.blocked_until_us > now_us) {
    return Status(ErrorCode::kAccountLocked, "too many failed logins for this user from this address")
        .with_detail("locked_until", format_timestamp_micros(pair->second.blocked_until_us));
  }
  if (auto found = sources_.find(source_key(source));
      found != sources_.end() && found->second.blocked_until_us > now_us) {
    int64_t retry_after_ms = (found->second.blocked_until_us - now_us + 999) / 1000;
    return Status(ErrorCode::kRateLimitExceeded, "too many failed logins from this address")
        .with_detail("retry_after_ms", retry_after_ms);
  }
  return Status::ok();
}

std::optional<int64_t> LoginThrottle::failed(std::string_view source, std::string_view user, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  make_room(now_us);
  auto count = [&](Entry& entry) {
    // Failures older than the lockout period are forgotten.
    if (now_us - entry.last_failure_us > lockout_us_) entry.failures = 0;
    entry.failures += 1;
    entry.last_failure_us = now_us;
  };
  Entry& by_source = sources_[source_key(source)];
  count(by_source);
  int64_t over = by_source.failures - kSourceFactor * max_failures_;
  if (over >= 0) {
    int64_t delay = over >= 30 ? lockout_us_ : std::min(lockout_us_, (int64_t{1} << over) * kMicrosPerSecond);
    by_source.blocked_until_us = now_us + delay;
  }
  Entry& by_pair = pairs_[pair_key(source, user)];
  count(by_pair);
  if (by_pair.failures < max_failures_) return std::nullopt;
  by_pair.failures = 0;
  by_pair.blocked_until_us = now_us + lockout_us_;
  return by_pair.blocked_until_us;
}

void LoginThrottle::succeeded(std::string_view source, std::string_view user) {
  std::lock_guard<std::mutex> lock(mu_);
  pairs_.erase(pair_key(source, user));
}

void LoginThrottle::make_room(int64_t now_us) {
  for (auto* map : {&pairs_, &sources_}) {
    if (map->size() < kCapacity) continue;
    for (auto it = map->begin(); it != map->end();) {
      bool active =
          it->second.blocked_until_us > now_us || now_us - it->second.last_failure_us <= lockout_us_ / 4;
      it = active ? std::next(it) : map->erase(it);
    }
    if (map->size() >= kCapacity) map->clear();  // a flood of sources: start over
  }
}

}  // namespace kalam

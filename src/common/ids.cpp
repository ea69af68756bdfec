// Snowflake, UUID v4/v7 and ULID generation. UUID v7 and ULID keep process-wide state
// (last millisecond and random tail) so that ids made in the same millisecond still sort.
#include "common/ids.h"

#include <openssl/rand.h>

#include <array>
#include <cassert>
#include <mutex>
#include <random>
#include <utility>
#include <vector>

#include "common/time_util.h"

namespace kalam {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kCrockfordAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Fills `out` with cryptographically strong random bytes. OpenSSL's CSPRNG practically
// never fails once seeded; if it does, fall back to the OS source via std::random_device
// rather than return predictable ids.
void fill_random(uint8_t* out, size_t length) {
  if (RAND_bytes(out, static_cast<int>(length)) == 1) return;
  std::random_device device;
  for (size_t byte_idx = 0; byte_idx < length; ++byte_idx) out[byte_idx] = static_cast<uint8_t>(device());
}

uint64_t random_u64() {
  std::array<uint8_t, 8> bytes{};
  fill_random(bytes.data(), bytes.size());
  uint64_t value = 0;
  for (uint8_t byte : bytes) value = (value << 8) | byte;
  return value;
}

std::string format_uuid(const std::array<uint8_t, 16>& bytes) {
  std::string out;
  out.reserve(36);
  for (size_t byte_idx = 0; byte_idx < bytes.size(); ++byte_idx) {
    if (byte_idx == 4 || byte_idx == 6 || byte_idx == 8 || byte_idx == 10) out.push_back('-');
    out.push_back(kHexDigits[bytes[byte_idx] >> 4]);
    out.push_back(kHexDigits[bytes[byte_idx] & 0x0F]);
  }
  return out;
}

int64_t clamped_now_millis() {
  const int64_t now = now_unix_millis();
  return now < 0 ? 0 : now;
}

// UUID v7 state: 48-bit ms, 12-bit rand_a and 62-bit rand_b used together as a counter.
struct UuidV7State {
  std::mutex mutex;
  int64_t last_ms = -1;
  uint16_t rand_a = 0;
  uint64_t rand_b = 0;
};

constexpr uint16_t kRandAMask = 0x0FFF;
constexpr uint64_t kRandBMask = (uint64_t{1} << 62) - 1;
constexpr int64_t kMax48Bits = (int64_t{1} << 48) - 1;

void reseed_v7(UuidV7State& state) {
  const uint64_t bits = random_u64();
  // The top bit of rand_a starts at 0 so that increments within one ms cannot overflow.
  state.rand_a = static_cast<uint16_t>(bits >> 53) & 0x07FF;
  state.rand_b = random_u64() & kRandBMask;
}

// ULID state: 48-bit ms and an 80-bit random tail stored as two 40-bit halves.
struct UlidState {
  std::mutex mutex;
  int64_t last_ms = -1;
  uint64_t random_high = 0;
  uint64_t random_low = 0;
};

constexpr uint64_t kMask40 = (uint64_t{1} << 40) - 1;

void reseed_ulid(UlidState& state) {
  state.random_high = random_u64() & kMask40;
  state.random_low = random_u64() & kMask40;
}

}  // namespace

SnowflakeGenerator::SnowflakeGenerator(uint16_t node_id) : SnowflakeGenerator(node_id, Clock()) {}

SnowflakeGenerator::SnowflakeGenerator(uint16_t node_id, Clock clock)
    : node_id_(node_id & kSnowflakeMaxNodeId), clock_(std::move(clock)), last_id_(-1) {
  assert(node_id <= kSnowflakeMaxNodeId && "node id must fit in 10 bits");
}

int64_t SnowflakeGenerator::next() {
  const int64_t node_bits = int64_t{node_id_} << kSnowflakeSequenceBits;
  int64_t now_ms = (clock_ ? clock_() : now_unix_millis()) - kSnowflakeEpochMs;
  if (now_ms < 0) now_ms = 0;  // a clock before 2024 behaves like a stalled clock
  int64_t previous = last_id_.load();
  for (;;) {
    const int64_t previous_ms = previous >> kSnowflakeTimestampShift;  // -1 before the first id
    int64_t ms = now_ms;
    int64_t sequence = 0;
    if (now_ms <= previous_ms) {
      // Same millisecond or the clock went backwards: continue after the last id.
      ms = previous_ms;
      sequence = (previous & kSnowflakeMaxSequence) + 1;
      if (sequence > kSnowflakeMaxSequence) {
        ms += 1;  // sequence exhausted: borrow the next millisecond
        sequence = 0;
      }
    }
    const int64_t id = (ms << kSnowflakeTimestampShift) | node_bits | sequence;
    if (last_id_.compare_exchange_weak(previous, id)) return id;
  }
}

void SnowflakeGenerator::advance_past(int64_t id) {
  // Pretend our last id used the last sequence of id's millisecond: the next id then
  // starts at the following millisecond, which beats `id` whatever its node bits are.
  const int64_t target = ((id >> kSnowflakeTimestampShift) << kSnowflakeTimestampShift) |
                         (int64_t{node_id_} << kSnowflakeSequenceBits) | kSnowflakeMaxSequence;
  int64_t previous = last_id_.load();
  while (previous < target && !last_id_.compare_exchange_weak(previous, target)) {
  }
}

int64_t snowflake_unix_ms(int64_t id) { return (id >> kSnowflakeTimestampShift) + kSnowflakeEpochMs; }

uint16_t snowflake_node_id(int64_t id) {
  return static_cast<uint16_t>((id >> kSnowflakeSequenceBits) & kSnowflakeMaxNodeId);
}

uint16_t snowflake_sequence(int64_t id) { return static_cast<uint16_t>(id & kSnowflakeMaxSequence); }

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  fill_random(raw.data(), raw.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (uint8_t byte : raw) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::string uuid_v4() {
  std::array<uint8_t, 16> bytes{};
  fill_random(bytes.data(), bytes.size());
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // variant 10xx
  return format_uuid(bytes);
}

std::string request_uuid() {
  // xoshiro256** (Blackman and Vigna), one state per thread.
  thread_local std::array<uint64_t, 4> state = [] {
    std::array<uint64_t, 4> seeded{};
    do {
      for (uint64_t& word : seeded) word = random_u64();
    } while (seeded[0] == 0 && seeded[1] == 0 && seeded[2] == 0 && seeded[3] == 0);
    return seeded;
  }();
  auto rotl = [](uint64_t value, int shift) { return (value << shift) | (value >> (64 - shift)); };
  auto next = [&] {
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t shifted = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = rotl(state[3], 45);
    return result;
  };
  std::array<uint8_t, 16> bytes{};
  for (size_t half = 0; half < 2; ++half) {
    uint64_t word = next();
    for (size_t byte_idx = 0; byte_idx < 8; ++byte_idx)
      bytes[half * 8 + byte_idx] = static_cast<uint8_t>(word >> (8 * byte_idx));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // variant 10xx
  return format_uuid(bytes);
}

std::string uuid_v7() {
  static UuidV7State state;
  const int64_t now_ms = clamped_now_millis();
  int64_t ms = 0;
  uint16_t rand_a = 0;
  uint64_t rand_b = 0;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (now_ms > state.last_ms) {
      state.last_ms = now_ms;
      reseed_v7(state);
    } else {
      // Same ms (or clock went back): add a random positive step so the result sorts after
      // the previous one yet stays hard to guess (RFC 9562 § 6.2, method 2).
      state.rand_b += 1 + (random_u64() & 0xFFFFFFFF);
      if (state.rand_b > kRandBMask) {
        state.rand_b &= kRandBMask;
        state.rand_a = static_cast<uint16_t>(state.rand_a + 1);
        if (state.rand_a > kRandAMask) {
          state.last_ms += 1;  // counter exhausted: borrow the next millisecond
          reseed_v7(state);
        }
      }
    }
    ms = state.last_ms & kMax48Bits;
    rand_a = state.rand_a;
    rand_b = state.rand_b;
  }
  std::array<uint8_t, 16> bytes{};
  for (int byte_idx = 0; byte_idx < 6; ++byte_idx) {
    bytes[byte_idx] = static_cast<uint8_t>(ms >> (8 * (5 - byte_idx)));
  }
  bytes[6] = static_cast<uint8_t>(0x70 | (rand_a >> 8));  // version 7
  bytes[7] = static_cast<uint8_t>(rand_a);
  bytes[8] = static_cast<uint8_t>(0x80 | ((rand_b >> 56) & 0x3F));  // variant 10xx
  for (int byte_idx = 9; byte_idx < 16; ++byte_idx) {
    bytes[byte_idx] = static_cast<uint8_t>(rand_b >> (8 * (15 - byte_idx)));
  }
  return format_uuid(bytes);
}

std::string ulid() {
  static UlidState state;
  const int64_t now_ms = clamped_now_millis();
  int64_t ms = 0;
  uint64_t random_high = 0;
  uint64_t random_low = 0;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (now_ms > state.last_ms) {
      state.last_ms = now_ms;
      reseed_ulid(state);
    } else {
      // Same ms (or clock went back): increment the 80-bit tail, as the ULID spec says.
      state.random_low = (state.random_low + 1) & kMask40;
      if (state.random_low == 0) {
        state.random_high = (state.random_high + 1) & kMask40;
        if (state.random_high == 0) {
          state.last_ms += 1;  // tail exhausted: borrow the next millisecond
          reseed_ulid(state);
        }
      }
    }
    ms = state.last_ms & kMax48Bits;
    random_high = state.random_high;
    random_low = state.random_low;
  }
  std::string out(26, '0');
  // 10 characters carry 50 bits: two leading zero bits, then the 48-bit timestamp.
  for (int char_idx = 0; char_idx < 10; ++char_idx) {
    out[char_idx] = kCrockfordAlphabet[(ms >> (45 - 5 * char_idx)) & 0x1F];
  }
  for (int char_idx = 0; char_idx < 8; ++char_idx) {
    out[10 + char_idx] = kCrockfordAlphabet[(random_high >> (35 - 5 * char_idx)) & 0x1F];
    out[18 + char_idx] = kCrockfordAlphabet[(random_low >> (35 - 5 * char_idx)) & 0x1F];
  }
  return out;
}

bool is_canonical_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t char_idx = 0; char_idx < text.size(); ++char_idx) {
    const char c = text[char_idx];
    if (char_idx == 8 || char_idx == 13 || char_idx == 18 || char_idx == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace kalam

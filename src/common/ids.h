// Id generation: Snowflake ids for `_seq` (spec/model.md § System columns), UUID v4/v7
// and ULID strings for user-visible ids. Randomness comes from OpenSSL's CSPRNG.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace kalam {

// Snowflake layout: [1 bit 0][41 bits ms since kSnowflakeEpochMs][10 bits node][12 bits sequence].
inline constexpr int64_t kSnowflakeEpochMs = 1704067200000;  // 2024-01-01T00:00:00Z
inline constexpr int kSnowflakeSequenceBits = 12;
inline constexpr int kSnowflakeNodeBits = 10;
inline constexpr int kSnowflakeTimestampShift = kSnowflakeSequenceBits + kSnowflakeNodeBits;  // 22
inline constexpr uint16_t kSnowflakeMaxNodeId = (1u << kSnowflakeNodeBits) - 1;               // 1023
inline constexpr uint16_t kSnowflakeMaxSequence = (1u << kSnowflakeSequenceBits) - 1;         // 4095

// Generates Snowflake ids that are strictly increasing per instance, even when the wall
// clock goes backwards (the generator keeps using its last millisecond) or more than 4096
// ids are requested in one millisecond (it borrows the next millisecond). While borrowing,
// an id's timestamp may run ahead of the wall clock; it catches up once the clock passes it.
// Thread-safe and lock-free (one CAS per id).
class SnowflakeGenerator {
 public:
  // Returns the current Unix time in milliseconds.
  using Clock = std::function<int64_t()>;

  // REQUIRES: node_id <= kSnowflakeMaxNodeId (higher bits are masked off; config validates).
  explicit SnowflakeGenerator(uint16_t node_id);
  // Same, with an injected clock (tests simulate clocks that stall or go backwards).
  SnowflakeGenerator(uint16_t node_id, Clock clock);

  SnowflakeGenerator(const SnowflakeGenerator&) = delete;
  SnowflakeGenerator& operator=(const SnowflakeGenerator&) = delete;

  // The next id; greater than every id returned before by this instance. Always > 0.
  int64_t next();

  // Makes every later next() return an id greater than `id` (any node). Use at start-up
  // with the largest persisted id, so ids stay increasing across a restart even if the
  // clock went backwards meanwhile.
  void advance_past(int64_t id);

  uint16_t node_id() const { return node_id_; }

 private:
  const uint16_t node_id_;
  const Clock clock_;  // empty: system clock
  std::atomic<int64_t> last_id_;
};

// Unix milliseconds encoded in a Snowflake id: (id >> 22) + kSnowflakeEpochMs.
int64_t snowflake_unix_ms(int64_t id);
// Node id (10 bits) encoded in a Snowflake id.
uint16_t snowflake_node_id(int64_t id);
// Sequence within the millisecond (12 bits) encoded in a Snowflake id.
uint16_t snowflake_sequence(int64_t id);

// `bytes` cryptographically strong random bytes as lower-case hex (secrets, token ids).
std::string random_hex(size_t bytes);

// Random UUID (RFC 9562 version 4), lower-case canonical 8-4-4-4-12 form. Thread-safe.
std::string uuid_v4();

// A UUID v4 for identifiers that must be unique but need not be unpredictable (request
// ids): 122 bits of a per-thread xoshiro256** generator seeded from the CSPRNG, with no
// system call per id. Never use it for secrets. Thread-safe.
std::string request_uuid();

// Time-ordered UUID (RFC 9562 version 7): 48-bit Unix ms, then random bits. Lower-case
// canonical form. Within one process the strings are strictly increasing (the 74 random
// bits are incremented within a millisecond, and the last millisecond is reused if the
// clock goes backwards), so they sort in generation order. Thread-safe.
std::string uuid_v7();

// ULID: 26 Crockford base32 characters (48-bit Unix ms, 80 random bits), upper case.
// Strictly increasing within one process like uuid_v7(). Thread-safe.
std::string ulid();

// True iff `text` is a UUID in canonical form: 36 characters, 8-4-4-4-12 lower-case hex
// digits separated by '-'. Any version and variant are accepted; upper case is rejected
// (lower-case it first if input may be upper case).
bool is_canonical_uuid(std::string_view text);

}  // namespace kalam

// Tests for common/ids.h (Snowflake, UUID v4/v7, ULID) and common/time_util.h.
#include "common/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time_util.h"

namespace kalam {
namespace {

// ---- Snowflake ----

TEST(SnowflakeTest, StrictlyIncreasingOverManyCalls) {
  SnowflakeGenerator generator(7);
  int64_t previous = generator.next();
  for (int call_idx = 0; call_idx < 200000; ++call_idx) {
    const int64_t id = generator.next();
    ASSERT_GT(id, previous) << "at call " << call_idx;
    previous = id;
  }
}

TEST(SnowflakeTest, LayoutAndTimestampExtraction) {
  SnowflakeGenerator generator(0x2A5);  // 677
  const int64_t before_ms = now_unix_millis();
  const int64_t id = generator.next();
  const int64_t after_ms = now_unix_millis();
  EXPECT_GT(id, 0);
  EXPECT_EQ(snowflake_node_id(id), 0x2A5);
  EXPECT_EQ(snowflake_sequence(id), 0);  // first id of a fresh generator
  EXPECT_GE(snowflake_unix_ms(id), before_ms);
  EXPECT_LE(snowflake_unix_ms(id), after_ms);
  // spec/model.md: `_seq >> 22` plus the epoch gives the write time.
  EXPECT_EQ((id >> 22) + 1704067200000, snowflake_unix_ms(id));
  EXPECT_EQ(generator.node_id(), 0x2A5);
}

TEST(SnowflakeTest, ExactBitLayoutWithFixedClock) {
  const int64_t fixed_ms = kSnowflakeEpochMs + 123456789;
  SnowflakeGenerator generator(5, [fixed_ms] { return fixed_ms; });
  EXPECT_EQ(generator.next(), (int64_t{123456789} << 22) | (int64_t{5} << 12) | 0);
  EXPECT_EQ(generator.next(), (int64_t{123456789} << 22) | (int64_t{5} << 12) | 1);
  EXPECT_EQ(generator.next(), (int64_t{123456789} << 22) | (int64_t{5} << 12) | 2);
}

TEST(SnowflakeTest, BorrowsNextMillisecondWhenSequenceIsExhausted) {
  const int64_t fixed_ms = kSnowflakeEpochMs + 1000;
  SnowflakeGenerator generator(1, [fixed_ms] { return fixed_ms; });
  std::vector<int64_t> ids;
  for (int call_idx = 0; call_idx < 3 * 4096 + 10; ++call_idx) ids.push_back(generator.next());
  for (size_t id_idx = 1; id_idx < ids.size(); ++id_idx) ASSERT_GT(ids[id_idx], ids[id_idx - 1]);
  EXPECT_EQ(snowflake_unix_ms(ids[4095]), fixed_ms);
  EXPECT_EQ(snowflake_sequence(ids[4095]), 4095);
  EXPECT_EQ(snowflake_unix_ms(ids[4096]), fixed_ms + 1);  // borrowed
  EXPECT_EQ(snowflake_sequence(ids[4096]), 0);
  EXPECT_EQ(snowflake_unix_ms(ids.back()), fixed_ms + 3);
  for (int64_t id : ids) ASSERT_EQ(snowflake_node_id(id), 1);
}

TEST(SnowflakeTest, ClockGoingBackwardsKeepsIdsIncreasing) {
  std::atomic<int64_t> clock_ms{kSnowflakeEpochMs + 50000};
  SnowflakeGenerator generator(3, [&clock_ms] { return clock_ms.load(); });
  const int64_t first = generator.next();
  clock_ms = kSnowflakeEpochMs + 10000;  // 40 s backwards
  const int64_t second = generator.next();
  const int64_t third = generator.next();
  EXPECT_GT(second, first);
  EXPECT_GT(third, second);
  EXPECT_EQ(snowflake_unix_ms(second), kSnowflakeEpochMs + 50000);
  clock_ms = kSnowflakeEpochMs + 60000;  // clock recovers: ids follow it again
  const int64_t fourth = generator.next();
  EXPECT_GT(fourth, third);
  EXPECT_EQ(snowflake_unix_ms(fourth), kSnowflakeEpochMs + 60000);
  EXPECT_EQ(snowflake_sequence(fourth), 0);
}

TEST(SnowflakeTest, ClockBeforeEpochStillYieldsIncreasingIds) {
  SnowflakeGenerator generator(2, [] { return int64_t{0}; });  // 1970
  const int64_t first = generator.next();
  const int64_t second = generator.next();
  EXPECT_GE(first, 0);
  EXPECT_GT(second, first);
}

TEST(SnowflakeTest, AdvancePastMakesLaterIdsGreater) {
  std::atomic<int64_t> clock_ms{kSnowflakeEpochMs + 1000};
  SnowflakeGenerator generator(0, [&clock_ms] { return clock_ms.load(); });
  // An id persisted before a restart, from a later clock and a higher node id.
  const int64_t persisted = (int64_t{5000} << 22) | (int64_t{1023} << 12) | 17;
  EXPECT_LT(generator.next(), persisted);
  generator.advance_past(persisted);
  const int64_t next = generator.next();
  EXPECT_GT(next, persisted);
  EXPECT_EQ(snowflake_node_id(next), 0);
  // advance_past with an older id changes nothing.
  generator.advance_past(persisted - (int64_t{100} << 22));
  EXPECT_GT(generator.next(), next);
}

TEST(SnowflakeTest, UniqueAndPerThreadIncreasingAcrossThreads) {
  SnowflakeGenerator generator(9);
  constexpr int kThreads = 4;
  constexpr int kIdsPerThread = 50000;
  std::vector<std::vector<int64_t>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&generator, &per_thread, thread_idx] {
      per_thread[thread_idx].reserve(kIdsPerThread);
      for (int call_idx = 0; call_idx < kIdsPerThread; ++call_idx) {
        per_thread[thread_idx].push_back(generator.next());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<int64_t> all;
  for (const std::vector<int64_t>& ids : per_thread) {
    for (size_t id_idx = 1; id_idx < ids.size(); ++id_idx) ASSERT_GT(ids[id_idx], ids[id_idx - 1]);
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate id";
  EXPECT_EQ(all.size(), size_t{kThreads * kIdsPerThread});
  // One generator after all threads: above every id handed out.
  EXPECT_GT(generator.next(), all.back());
}

// ---- UUID ----

TEST(UuidTest, V4FormatVersionAndVariant) {
  for (auto* generate : {&uuid_v4, &request_uuid}) {
    std::set<std::string> seen;
    for (int call_idx = 0; call_idx < 1000; ++call_idx) {
      const std::string uuid = generate();
      ASSERT_EQ(uuid.size(), 36u) << uuid;
      ASSERT_TRUE(is_canonical_uuid(uuid)) << uuid;
      ASSERT_EQ(uuid[14], '4') << uuid;                                          // version nibble
      ASSERT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;  // variant 10xx
      seen.insert(uuid);
    }
    EXPECT_EQ(seen.size(), 1000u);
  }
}

TEST(UuidTest, RequestUuidsDifferAcrossThreads) {
  // Each thread seeds its own generator from the CSPRNG: no two threads share a sequence.
  std::string first_a, first_b;
  std::thread a([&] { first_a = request_uuid(); });
  std::thread b([&] { first_b = request_uuid(); });
  a.join();
  b.join();
  EXPECT_NE(first_a, first_b);
  EXPECT_NE(first_a, request_uuid());
}

TEST(UuidTest, V7FormatTimestampAndOrder) {
  const int64_t before_ms = now_unix_millis();
  const std::string first = uuid_v7();
  const int64_t after_ms = now_unix_millis();
  ASSERT_TRUE(is_canonical_uuid(first)) << first;
  EXPECT_EQ(first[14], '7') << first;
  EXPECT_NE(std::string("89ab").find(first[19]), std::string::npos) << first;
  const std::string hex_ms = first.substr(0, 8) + first.substr(9, 4);
  const int64_t ms = std::stoll(hex_ms, nullptr, 16);
  EXPECT_GE(ms, before_ms);
  EXPECT_LE(ms, after_ms);

  // Many per millisecond: still strictly increasing as strings.
  std::string previous = first;
  for (int call_idx = 0; call_idx < 20000; ++call_idx) {
    const std::string uuid = uuid_v7();
    ASSERT_EQ(uuid[14], '7') << uuid;
    ASSERT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
    ASSERT_GT(uuid, previous) << "at call " << call_idx;
    previous = uuid;
  }
}

TEST(UuidTest, CanonicalCheck) {
  EXPECT_TRUE(is_canonical_uuid("0189f7e2-5a3b-7c4d-8e5f-0123456789ab"));
  EXPECT_TRUE(is_canonical_uuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(is_canonical_uuid(""));
  EXPECT_FALSE(is_canonical_uuid("0189F7E2-5A3B-7C4D-8E5F-0123456789AB"));   // upper case
  EXPECT_FALSE(is_canonical_uuid("0189f7e25a3b7c4d8e5f0123456789ab"));       // no hyphens
  EXPECT_FALSE(is_canonical_uuid("0189f7e2-5a3b-7c4d-8e5f-0123456789a"));    // short
  EXPECT_FALSE(is_canonical_uuid("0189f7e2-5a3b-7c4d-8e5f-0123456789abc"));  // long
  EXPECT_FALSE(is_canonical_uuid("0189f7e2-5a3b-7c4d-8e5f-0123456789ag"));   // non-hex
  EXPECT_FALSE(is_canonical_uuid("0189f7e2-5a3b-7c4d8-e5f-0123456789ab"));   // hyphen moved
  EXPECT_FALSE(is_canonical_uuid("{189f7e2-5a3b-7c4d-8e5f-0123456789ab"));
}

// ---- ULID ----

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int64_t decode_ulid_ms(const std::string& text) {
  int64_t ms = 0;
  for (int char_idx = 0; char_idx < 10; ++char_idx) {
    ms = (ms << 5) | static_cast<int64_t>(kCrockford.find(text[char_idx]));
  }
  return ms;
}

TEST(UlidTest, LengthAlphabetAndTimestamp) {
  const int64_t before_ms = now_unix_millis();
  const std::string id = ulid();
  const int64_t after_ms = now_unix_millis();
  ASSERT_EQ(id.size(), 26u);
  for (char c : id) ASSERT_NE(kCrockford.find(c), std::string_view::npos) << id;
  EXPECT_LE(id[0], '7') << "first character carries only 3 bits";
  EXPECT_GE(decode_ulid_ms(id), before_ms);
  EXPECT_LE(decode_ulid_ms(id), after_ms);
}

TEST(UlidTest, StrictlyIncreasingWithinAndAcrossMilliseconds) {
  std::string previous = ulid();
  std::set<std::string> seen{previous};
  for (int call_idx = 0; call_idx < 20000; ++call_idx) {
    const std::string id = ulid();
    ASSERT_EQ(id.size(), 26u);
    for (char c : id) ASSERT_NE(kCrockford.find(c), std::string_view::npos) << id;
    ASSERT_GT(id, previous) << "at call " << call_idx;
    seen.insert(id);
    previous = id;
  }
  EXPECT_EQ(seen.size(), 20001u);
}

TEST(UlidTest, ThreadSafeAndUnique) {
  constexpr int kThreads = 4;
  constexpr int kIdsPerThread = 5000;
  std::vector<std::vector<std::string>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&per_thread, thread_idx] {
      for (int call_idx = 0; call_idx < kIdsPerThread; ++call_idx) per_thread[thread_idx].push_back(ulid());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& ids : per_thread) {
    for (size_t id_idx = 1; id_idx < ids.size(); ++id_idx) ASSERT_GT(ids[id_idx], ids[id_idx - 1]);
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), size_t{kThreads * kIdsPerThread});
}

// ---- time_util ----

TEST(TimeUtilTest, FormatTimestampMicros) {
  EXPECT_EQ(format_timestamp_micros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_timestamp_micros(int64_t{1795515330} * 1000000 + 123456), "2026-11-24T10:15:30.123456Z");
  EXPECT_EQ(format_timestamp_micros(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp_micros(int64_t{951782400} * 1000000),
            "2000-02-29T00:00:00.000000Z");  // leap day
  EXPECT_EQ(format_timestamp_micros(int64_t{1704067199} * 1000000 + 999999), "2023-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp_micros(int64_t{253402300799} * 1000000 + 999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp_micros(int64_t{-62135596800} * 1000000), "0001-01-01T00:00:00.000000Z");
}

TEST(TimeUtilTest, NowIsConsistentAcrossUnits) {
  const int64_t millis_before = now_unix_millis();
  const int64_t micros = now_unix_micros();
  const int64_t millis_after = now_unix_millis();
  EXPECT_GE(micros / 1000, millis_before);
  EXPECT_LE(micros / 1000, millis_after);
  EXPECT_GT(millis_before, int64_t{1704067200000});  // after 2024-01-01
  // The formatted "now" starts with the current year.
  EXPECT_EQ(format_timestamp_micros(micros).substr(0, 2), "20");
  EXPECT_EQ(format_timestamp_micros(micros).size(), 27u);
}

}  // namespace
}  // namespace kalam

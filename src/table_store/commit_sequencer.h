// CommitSequencer: gives each commit its place in the one global commit sequence. A
// commit draws its _seq values here (all greater than those of earlier commits), writes
// its batch without any lock of the sequencer, and then finishes; changes are handed to
// the LiveQueryManager in the order the commits drew their values, each only after its
// own batch and every earlier one are durable (an earlier commit still writing holds the
// later ones back; none waits: the last to finish publishes for those behind it).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "live/live_query_manager.h"

namespace kalam {

class SnowflakeGenerator;

class CommitSequencer {
 public:
  explicit CommitSequencer(SnowflakeGenerator& ids) : ids_(ids) {}

  struct Ticket {
    uint64_t number = 0;
    std::vector<int64_t> seqs;  // increasing
  };

  // Draws `count` _seq values for a commit (count may be 0).
  Ticket begin(size_t count);
  // The commit's batch is written (or it failed: `changes` empty). Publishes, in ticket
  // order, the changes of every finished commit whose predecessors have all finished.
  void finish(const Ticket& ticket, LiveQueryManager* live, std::vector<RowChange> changes,
              std::vector<UnrecordedWrite> unrecorded = {});

  // Every _seq up to this belongs to a finished commit (or to none). With no commit in
  // flight, the last value drawn (the first call draws one, so that the values of commits
  // before a restart are covered too); every later commit's _seq is greater.
  int64_t visible_seq();
  // Blocks until every ticket drawn before the call has finished.
  void wait_for_in_flight();

 private:
  struct Finished {
    LiveQueryManager* live = nullptr;
    std::vector<RowChange> changes;
    std::vector<UnrecordedWrite> unrecorded;
    int64_t last_seq = 0;
  };

  SnowflakeGenerator& ids_;
  mutable std::mutex mutex_;
  std::condition_variable advanced_;
  uint64_t next_ticket_ = 1;
  uint64_t next_to_publish_ = 1;
  int64_t last_drawn_seq_ = 0;
  int64_t visible_seq_ = 0;
  std::map<uint64_t, Finished> finished_;  // finished but waiting for a predecessor
};

}  // namespace kalam

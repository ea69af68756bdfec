// CommitSequencer: ticket order is _seq order; publication follows ticket order.
#include "table_store/commit_sequencer.h"

#include "common/ids.h"

namespace kalam {

CommitSequencer::Ticket CommitSequencer::begin(size_t count) {
  Ticket ticket;
  ticket.seqs.reserve(count);
  std::lock_guard<std::mutex> lock(mutex_);
  bool idle = next_to_publish_ == next_ticket_;
  ticket.number = next_ticket_++;
  for (size_t idx = 0; idx < count; ++idx) ticket.seqs.push_back(ids_.next());
  if (!ticket.seqs.empty()) last_drawn_seq_ = ticket.seqs.back();
  if (idle) {
    // Nothing was in flight: every value below this commit's is settled (including the
    // values of commits before a restart, which the generator starts past).
    int64_t floor = ticket.seqs.empty() ? (last_drawn_seq_ = ids_.next()) : ticket.seqs.front() - 1;
    if (floor > visible_seq_) visible_seq_ = floor;
  }
  return ticket;
}

void CommitSequencer::finish(const Ticket& ticket, LiveQueryManager* live, std::vector<RowChange> changes,
                             std::vector<UnrecordedWrite> unrecorded) {
  std::lock_guard<std::mutex> lock(mutex_);
  Finished& entry = finished_[ticket.number];
  entry.live = live;
  entry.changes = std::move(changes);
  entry.unrecorded = std::move(unrecorded);
  entry.last_seq = ticket.seqs.empty() ? 0 : ticket.seqs.back();
  bool advanced = false;
  for (auto it = finished_.begin(); it != finished_.end() && it->first == next_to_publish_;
       it = finished_.erase(it)) {
    // LiveQueryManager::publish queues and returns: cheap enough under this mutex, which
    // is what keeps publication in commit order.
    if (it->second.live != nullptr && !it->second.changes.empty())
      it->second.live->publish(it->second.changes);
    if (it->second.live != nullptr && !it->second.unrecorded.empty())
      it->second.live->publish_unrecorded(it->second.unrecorded);
    if (it->second.last_seq > visible_seq_) visible_seq_ = it->second.last_seq;
    ++next_to_publish_;
    advanced = true;
  }
  if (advanced) advanced_.notify_all();
}

int64_t CommitSequencer::visible_seq() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (next_to_publish_ != next_ticket_) return visible_seq_;
  // Nothing in flight: every value drawn so far is settled. Before this process drew
  // any, one value drawn now covers those of earlier processes (the generator starts
  // past them).
  if (last_drawn_seq_ == 0) last_drawn_seq_ = ids_.next();
  return last_drawn_seq_;
}

void CommitSequencer::wait_for_in_flight() {
  std::unique_lock<std::mutex> lock(mutex_);
  uint64_t last_issued = next_ticket_ - 1;
  advanced_.wait(lock, [&] { return next_to_publish_ > last_issued; });
}

}  // namespace kalam

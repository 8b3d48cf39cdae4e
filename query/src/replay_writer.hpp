// The writing half of the rebuild (rebuild.hpp): decoded batches of stored events applied to
// the read model on a thread of its own, in the order they are pushed, while the next batch is
// fetched and decoded. Each batch is one transaction in which the projection applies all of its
// events (ApplyAll), without inbox rows: applying an event again changes nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/codec.hpp"
#include "common/database.hpp"

namespace blog::query {

struct StoredEvent {
  std::string event_id;
  AnyEvent event;
  std::uint64_t sequence;
};
using EventBatch = std::vector<StoredEvent>;

// The first failure stops the writer; Push and Finish then rethrow it.
class ReplayWriter {
 public:
  explicit ReplayWriter(Database& db);
  ~ReplayWriter();
  ReplayWriter(const ReplayWriter&) = delete;
  ReplayWriter& operator=(const ReplayWriter&) = delete;
  ReplayWriter(ReplayWriter&&) = delete;
  ReplayWriter& operator=(ReplayWriter&&) = delete;

  // Queues `batch`; waits while a few batches are already waiting (bounded memory).
  void Push(EventBatch batch);
  // Waits until every pushed batch is applied; returns the events applied in all.
  std::uint64_t Finish();
  // The events applied so far.
  std::uint64_t Applied();

 private:
  void Close();
  void Run();

  Database& db_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<EventBatch> queue_;
  std::deque<EventBatch> applied_batches_;  // for Push to free
  bool closed_ = false;
  bool done_ = false;
  std::exception_ptr error_;
  std::uint64_t applied_ = 0;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace blog::query

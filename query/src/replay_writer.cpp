#include "replay_writer.hpp"

#include <chrono>
#include <string_view>

#include "common/errors.hpp"

#include "projection.hpp"

namespace blog::query {
namespace {

// Decoded batches waiting for the database: enough to keep it busy, bounded memory.
constexpr std::size_t kQueuedBatches = 2;
// Tries of a batch that PostgreSQL aborted to resolve a deadlock or serialization conflict.
constexpr int kAttempts = 5;

// Applies every event of `batch`. No inbox row is written for them: the projection leaves the
// same read model however often an event is applied (invariants.hpp, 6), so an event that a
// live listener applies too, or that the stream holds twice, changes nothing the second time.
// Returns the number applied.
std::uint64_t ApplyBatch(Tx& tx, const EventBatch& batch) {
  // A crashed rebuild is simply run again, so its commits need not wait for the WAL flush.
  // No JIT: the batch statements' estimates pass its threshold, and compiling them costs more
  // than it saves.
  tx.ExecScript("SET LOCAL synchronous_commit = off; SET LOCAL jit = off");
  std::vector<SequencedEvent> events;
  events.reserve(batch.size());
  for (const auto& e : batch) events.push_back({&e.event, e.sequence});
  ApplyAll(tx, events);
  return events.size();
}

// A batch and a live listener's transaction may lock the same read model rows in opposite
// orders; PostgreSQL then aborts one of them. A batch is idempotent (the versions), so it is
// simply applied again.
std::uint64_t ApplyWithRetries(Database& db, const EventBatch& batch) {
  for (int attempt = 1;; ++attempt) {
    try {
      std::uint64_t applied = 0;
      db.Transact([&](Tx& tx) { applied = ApplyBatch(tx, batch); });
      return applied;
    } catch (const TransactionConflictError&) {
      if (attempt == kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
  }
}

}  // namespace

ReplayWriter::ReplayWriter(Database& db) : db_(db), thread_([this] { Run(); }) {}

ReplayWriter::~ReplayWriter() {
  Close();
  thread_.join();
}

void ReplayWriter::Push(EventBatch batch) {
  std::deque<EventBatch> applied;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kQueuedBatches || error_; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(batch));
  changed_.notify_all();
  // Freed here, by the thread that allocated them: glibc frees across threads slowly.
  applied.swap(applied_batches_);
  lock.unlock();
}

std::uint64_t ReplayWriter::Finish() {
  Close();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(error_);
  return applied_;
}

std::uint64_t ReplayWriter::Applied() {
  const std::lock_guard lock(mutex_);
  return applied_;
}

void ReplayWriter::Close() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

void ReplayWriter::Run() {
  try {
    for (;;) {
      EventBatch batch;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) break;
        batch = std::move(queue_.front());
        queue_.pop_front();
        changed_.notify_all();
      }
      const std::uint64_t applied = ApplyWithRetries(db_, batch);
      const std::lock_guard lock(mutex_);
      applied_ += applied;
      applied_batches_.push_back(std::move(batch));
    }
  } catch (...) {
    const std::lock_guard lock(mutex_);
    error_ = std::current_exception();
  }
  const std::lock_guard lock(mutex_);
  done_ = true;
  changed_.notify_all();
}

}  // namespace blog::query

// Replays the stream set-based: each fetched batch is decoded and then applied with a handful
// of statements (the inbox, then ApplyAll) instead of two or three round trips per event, and
// the next batch is fetched and decoded while PostgreSQL applies the previous one.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <ostream>
#include <thread>
#include <unordered_set>

#include "common/codec.hpp"
#include "common/stream_reader.hpp"

#include "pg_array.hpp"
#include "query.hpp"

namespace blog::query {
namespace {

// Messages per fetch and per transaction: large enough that round trips do not matter.
constexpr int kBatchSize = 10'000;
// Decoded batches waiting for the database: enough to keep it busy, bounded memory.
constexpr std::size_t kQueuedBatches = 2;
// Tries of a batch that PostgreSQL aborted to resolve a deadlock or serialization conflict.
constexpr int kAttempts = 5;

struct Decoded {
  std::string event_id;
  AnyEvent event;
  std::uint64_t sequence;
};
using Batch = std::vector<Decoded>;

// Applies the events of `batch` not yet in the inbox (first occurrence of an event id wins,
// as one-by-one handling would). Returns the number applied.
std::uint64_t ApplyBatch(Tx& tx, const Batch& batch) {
  auto& sql = tx.Sql();
  // A crashed rebuild is simply run again, so its commits need not wait for the WAL flush.
  // No JIT: the batch statements' estimates pass its threshold, and compiling them costs more
  // than it saves.
  sql.exec("SET LOCAL synchronous_commit = off; SET LOCAL jit = off");
  // Sorted, so that the inserts walk the inbox index in order rather than at random.
  std::vector<std::string_view> ids;
  ids.reserve(batch.size());
  for (const auto& d : batch) ids.push_back(d.event_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  PgArray id_array;
  for (const auto id : ids) id_array.Add(id);
  const auto inserted = sql.exec_params(
      "INSERT INTO blog_inbox (event_id, consumer) SELECT unnest($1::text[]), 'query-rebuild' "
      "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
      id_array.Take());
  std::unordered_set<std::string_view> fresh;
  fresh.reserve(inserted.size());
  for (const auto& row : inserted) fresh.emplace(row[0].c_str(), row[0].size());
  std::vector<SequencedEvent> events;
  events.reserve(fresh.size());
  for (const auto& d : batch) {
    // erase: a later copy of the same event id in this batch is a duplicate.
    if (fresh.erase(d.event_id) > 0) events.push_back({&d.event, d.sequence});
  }
  ApplyAll(sql, events);
  return events.size();
}

// Applies batches on its own thread, in the order they are pushed. The first failure stops it;
// Push and Finish then rethrow it.
class Applier {
 public:
  explicit Applier(Database& db) : db_(db), thread_([this] { Run(); }) {}
  ~Applier() {
    Close();
    thread_.join();
  }
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;
  Applier(Applier&&) = delete;
  Applier& operator=(Applier&&) = delete;

  // Waits while kQueuedBatches are already waiting.
  void Push(Batch batch) {
    std::deque<Batch> applied;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < kQueuedBatches || error_; });
    if (error_) std::rethrow_exception(error_);
    queue_.push_back(std::move(batch));
    changed_.notify_all();
    // Freed here, by the thread that allocated them: glibc frees across threads slowly.
    applied.swap(applied_batches_);
    lock.unlock();
  }

  // Waits until every pushed batch is applied; returns the events applied in all.
  std::uint64_t Finish() {
    Close();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return done_; });
    if (error_) std::rethrow_exception(error_);
    return applied_;
  }

  std::uint64_t Applied() {
    const std::lock_guard lock(mutex_);
    return applied_;
  }

 private:
  void Close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  void Run() {
    try {
      for (;;) {
        Batch batch;
        {
          std::unique_lock lock(mutex_);
          changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
          if (queue_.empty()) break;
          batch = std::move(queue_.front());
          queue_.pop_front();
          changed_.notify_all();
        }
        const std::uint64_t applied = ApplyWithRetries(batch);
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

  // A batch and a live listener's transaction may lock the same inbox and read model rows in
  // opposite orders; PostgreSQL then aborts one of them. A batch is idempotent (the inbox and
  // the versions), so it is simply applied again.
  std::uint64_t ApplyWithRetries(const Batch& batch) {
    for (int attempt = 1;; ++attempt) {
      try {
        std::uint64_t applied = 0;
        db_.Transact([&](Tx& tx) { applied = ApplyBatch(tx, batch); });
        return applied;
      } catch (const pqxx::transaction_rollback&) {
        if (attempt == kAttempts) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      }
    }
  }

  Database& db_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  std::deque<Batch> applied_batches_;  // for Push to free
  bool closed_ = false;
  bool done_ = false;
  std::exception_ptr error_;
  std::uint64_t applied_ = 0;
  std::thread thread_;  // last: starts once the members above exist
};

// The valid events of `messages`; counts the others in `undecodable`.
Batch Decode(const std::vector<StoredMessage>& messages, std::uint64_t& undecodable) {
  Batch batch;
  batch.reserve(messages.size());
  for (const auto& msg : messages) {
    DecodedEvent decoded;
    try {
      decoded = DecodeEvent(msg.data);
    } catch (const DecodeError&) {
      ++undecodable;  // the listeners dead-letter these; the model skips them
      continue;
    }
    if (!HasValidIds(decoded.event)) {
      ++undecodable;  // PostgreSQL would refuse the whole batch for it
      continue;
    }
    batch.push_back({std::move(decoded.meta.id), std::move(decoded.event), msg.sequence});
  }
  return batch;
}

}  // namespace

std::uint64_t Rebuild(Database& db, NatsClient& nats, std::ostream& progress) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  PrepareProjection(db);
  const StreamPosition position = GetStreamPosition(nats, kEventStream);
  // The inbox first, as every listener transaction locks it before the read model: the TRUNCATE
  // then queues behind a running listener instead of holding posts while it waits (deadlock).
  db.Transact([](Tx& tx) { tx.Sql().exec("TRUNCATE blog_inbox, posts, comments"); });
  progress << "rebuild: read model dropped; replaying up to " << position.messages
           << " events from sequence " << position.first_sequence << "\n"
           << std::flush;

  std::uint64_t read = 0;
  std::uint64_t applied = 0;
  std::uint64_t undecodable = 0;
  auto last_report = started;
  const auto report = [&](const char* label) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    progress << "rebuild: " << label << " " << read << "/" << position.messages << " events ("
             << applied << " applied, " << undecodable << " undecodable), "
             << static_cast<std::uint64_t>(seconds > 0 ? static_cast<double>(read) / seconds : 0)
             << " events/s\n"
             << std::flush;
  };
  {
    Applier applier(db);
    ReadStream(nats, kEventStream, kEventSubjects, 1, kBatchSize,
               [&](const std::vector<StoredMessage>& messages) {
                 Batch batch = Decode(messages, undecodable);
                 if (!batch.empty()) applier.Push(std::move(batch));
                 // Progress counts what was read: applying runs at most kQueuedBatches behind.
                 read += messages.size();
                 if (Clock::now() - last_report > std::chrono::seconds(1)) {
                   applied = applier.Applied();
                   report("progress");
                   last_report = Clock::now();
                 }
               });
    applied = applier.Finish();
  }
  report("done");
  return applied;
}

}  // namespace blog::query

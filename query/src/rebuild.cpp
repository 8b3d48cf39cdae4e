#include "rebuild.hpp"

#include <chrono>
#include <ostream>

#include "common/inbox.hpp"
#include "common/stream_reader.hpp"

#include "projection.hpp"
#include "replay_writer.hpp"

namespace blog::query {
namespace {

// Messages per fetch and per transaction: large enough that round trips do not matter.
constexpr int kBatchSize = 10'000;

// The valid events of `messages`; counts the others in `undecodable`.
EventBatch Decode(const std::vector<StoredMessage>& messages, std::uint64_t& undecodable) {
  EventBatch batch;
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

// Empties the read model and the inbox. The inbox first, as every listener transaction writes
// it before the read model: the transaction then queues behind a running listener instead of
// holding posts while that listener waits for it (a deadlock).
void DropReadModel(Database& db) {
  db.Transact([](Tx& tx) {
    ClearInbox(tx);
    tx.ExecScript("TRUNCATE posts, comments");
  });
}

}  // namespace

std::uint64_t Rebuild(Database& db, NatsClient& nats, std::ostream& progress) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const StreamPosition position = GetStreamPosition(nats, kEventStream);
  DropReadModel(db);
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
    ReplayWriter writer(db);
    ReadStream(nats, kEventStream, kEventSubjects, 1, kBatchSize,
               [&](const std::vector<StoredMessage>& messages) {
                 EventBatch batch = Decode(messages, undecodable);
                 if (!batch.empty()) writer.Push(std::move(batch));
                 // Progress counts what was read: applying runs a few batches behind.
                 read += messages.size();
                 if (Clock::now() - last_report > std::chrono::seconds(1)) {
                   applied = writer.Applied();
                   report("progress");
                   last_report = Clock::now();
                 }
               },
               MessageParts::kDataOnly);  // Decode needs the data and the sequence alone
    applied = writer.Finish();
  }
  report("done");
  return applied;
}

}  // namespace blog::query

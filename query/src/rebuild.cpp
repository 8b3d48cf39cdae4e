// Replays the stream set-based: each fetched batch is decoded first and then applied with a
// handful of statements (the inbox, then ApplyAll), instead of two or three round trips per
// event, which is where the time went.
#include <chrono>
#include <ostream>
#include <unordered_set>

#include "common/codec.hpp"
#include "common/stream_reader.hpp"

#include "pg_array.hpp"
#include "query.hpp"

namespace blog::query {
namespace {

// Messages per fetch and per transaction: large enough that round trips do not matter.
constexpr int kBatchSize = 10'000;

struct Decoded {
  std::string event_id;
  AnyEvent event;
  std::uint64_t sequence;
};

// Applies the events of `batch` not yet in the inbox (first occurrence of an event id wins,
// as one-by-one handling would). Returns the number applied.
std::uint64_t ApplyBatch(Tx& tx, const std::vector<Decoded>& batch) {
  auto& sql = tx.Sql();
  // A crashed rebuild is simply run again, so its commits need not wait for the WAL flush.
  sql.exec("SET LOCAL synchronous_commit = off");
  std::unordered_set<std::string_view> seen;
  PgArray ids;
  for (const auto& d : batch) {
    if (seen.insert(d.event_id).second) ids.Add(d.event_id);
  }
  const auto inserted = sql.exec_params(
      "INSERT INTO blog_inbox (event_id, consumer) SELECT unnest($1::text[]), 'query-rebuild' "
      "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
      ids.Take());
  std::unordered_set<std::string> fresh;
  fresh.reserve(inserted.size());
  for (const auto& row : inserted) fresh.emplace(row[0].c_str());
  std::vector<SequencedEvent> events;
  events.reserve(fresh.size());
  for (const auto& d : batch) {
    // erase: a later copy of the same event id in this batch is a duplicate.
    if (fresh.erase(d.event_id) > 0) events.push_back({&d.event, d.sequence});
  }
  ApplyAll(sql, events);
  return events.size();
}

}  // namespace

std::uint64_t Rebuild(Database& db, NatsClient& nats, std::ostream& progress) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const StreamPosition position = GetStreamPosition(nats, kEventStream);
  db.Transact([](Tx& tx) { tx.Sql().exec("TRUNCATE posts, comments, blog_inbox"); });
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
  ReadStream(nats, kEventStream, kEventSubjects, 1, kBatchSize,
             [&](const std::vector<StoredMessage>& messages) {
               std::vector<Decoded> batch;
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
                 batch.push_back(
                     {std::move(decoded.meta.id), std::move(decoded.event), msg.sequence});
               }
               std::uint64_t batch_applied = 0;
               if (!batch.empty()) {
                 db.Transact([&](Tx& tx) { batch_applied = ApplyBatch(tx, batch); });
               }
               applied += batch_applied;
               read += messages.size();
               if (Clock::now() - last_report > std::chrono::seconds(1)) {
                 report("progress");
                 last_report = Clock::now();
               }
             });
  report("done");
  return applied;
}

}  // namespace blog::query

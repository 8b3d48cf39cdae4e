#include <chrono>
#include <ostream>

#include "common/codec.hpp"
#include "common/stream_reader.hpp"

#include "query.hpp"

namespace blog::query {

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
  ReadStream(nats, kEventStream, kEventSubjects, 1, 1000,
             [&](const std::vector<StoredMessage>& batch) {
               db.Transact([&](Tx& tx) {
                 auto& sql = tx.Sql();
                 for (const auto& msg : batch) {
                   DecodedEvent decoded;
                   try {
                     decoded = DecodeEvent(msg.data);
                   } catch (const DecodeError&) {
                     ++undecodable;  // the listeners dead-letter these; the model skips them
                     continue;
                   }
                   const auto fresh = sql.exec_params(
                       "INSERT INTO blog_inbox (event_id, consumer) VALUES ($1, 'query-rebuild') "
                       "ON CONFLICT (event_id) DO NOTHING",
                       decoded.meta.id);
                   if (fresh.affected_rows() == 0) continue;
                   Apply(sql, decoded.event, msg.sequence);
                   ++applied;
                 }
               });
               read += batch.size();
               if (Clock::now() - last_report > std::chrono::seconds(1)) {
                 report("progress");
                 last_report = Clock::now();
               }
             });
  report("done");
  return applied;
}

}  // namespace blog::query

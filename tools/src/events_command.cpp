// blogctl events tail / events stats.
#include <algorithm>
#include <chrono>
#include <climits>
#include <tuple>
#include <variant>

#include "common/catalog.hpp"
#include "common/codec.hpp"
#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/jetstream.hpp"
#include "common/stream_reader.hpp"

#include "commands.hpp"
#include "event_format.hpp"
#include "output.hpp"

namespace blog::ctl {
namespace {

constexpr int kBatch = 256;
constexpr auto kFollowWait = std::chrono::milliseconds(500);
constexpr auto kReadWait = std::chrono::seconds(5);

std::string FilterFor(const Args& args) {
  const auto type = args.Value("type");
  if (!type) return std::string(kEventSubjects);
  const EventDescription* event = FindEvent(*type);
  if (event == nullptr) {
    std::string known;
    for (const auto& e : EventCatalog()) known += (known.empty() ? "" : ", ") + e.type;
    throw UsageError("unknown event type '" + *type + "' (known: " + known + ")");
  }
  return event->subject;
}

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StartPosition ParseFrom(const std::string& text) {
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {StartPosition::Kind::kSequence,
            static_cast<std::uint64_t>(ParseInt(text, "--from", 1, INT64_MAX)), 0};
  }
  const auto ns = ParseTimeNs(text, NowNs());
  if (!ns) {
    throw UsageError(
        "--from must be a stream sequence, a time (2026-11-28T12:00:00Z) or an age "
        "(15m, 2h, 1d), not '" +
        text + "'");
  }
  return {StartPosition::Kind::kTime, 0, *ns};
}

// The position of the last `n` events matching `filter`, and how many events from there to skip
// (a window found by widening until it holds at least n matching events).
std::pair<StartPosition, std::uint64_t> LastN(NatsClient& nats, const StreamState& stream,
                                              const std::string& filter, std::uint64_t n) {
  const StartPosition after_end{StartPosition::Kind::kSequence, stream.last_sequence + 1, 0};
  if (n == 0 || stream.messages == 0) return {after_end, 0};
  std::uint64_t window = n;
  for (;;) {
    const std::uint64_t start =
        stream.last_sequence >= window
            ? std::max(stream.first_sequence, stream.last_sequence - window + 1)
            : stream.first_sequence;
    const StartPosition position{StartPosition::Kind::kSequence, start, 0};
    const std::uint64_t count = CountFrom(nats, kEventStream, filter, position);
    if (count >= n || start <= stream.first_sequence) {
      return {position, count > n ? count - n : 0};
    }
    window *= 4;
  }
}

}  // namespace

int EventsTail(Invocation& in) {
  const Args& a = in.args;
  const std::string filter = FilterFor(a);
  const std::int64_t limit = a.Int("limit", 0, 1, INT64_MAX);
  const bool follow = a.Has("follow");
  if (a.Has("from") && a.Has("last")) throw UsageError("--from and --last exclude each other");
  const StartPosition from = a.Has("from") ? ParseFrom(*a.Value("from")) : StartPosition{};
  const auto last = static_cast<std::uint64_t>(a.Int("last", 10, 0, INT64_MAX));

  NatsClient& nats = in.nats();
  const auto stream = GetStream(nats, kEventStream, false);
  if (!stream) throw Error("stream BLOG does not exist on this server (has a service started?)");
  StartPosition start = from;
  std::uint64_t skip = 0;
  if (!a.Has("from")) std::tie(start, skip) = LastN(nats, *stream, filter, last);
  // Without --follow, read exactly what is stored now, so the end needs no waiting.
  const std::uint64_t stored = follow ? 0 : CountFrom(nats, kEventStream, filter, start);

  StreamCursor cursor(nats, kEventStream, filter, start);
  std::uint64_t seen = 0;
  std::int64_t printed = 0;
  while (follow || seen < stored) {
    if (in.interrupted()) break;
    const auto batch = cursor.Next(kBatch, follow ? kFollowWait : kReadWait);
    if (batch.empty()) {
      if (follow) continue;
      throw UnavailableError("stream BLOG stopped answering after " + std::to_string(seen) +
                             " of " + std::to_string(stored) + " events");
    }
    for (const auto& message : batch) {
      if (!follow && seen >= stored) break;
      ++seen;
      if (skip > 0) {
        --skip;
        continue;
      }
      if (a.json()) {
        rapidjson::Document doc;
        PrintJson(in.out, MessageJson(doc, message));
      } else {
        in.out << EventLine(message) << "\n";
      }
      in.out.flush();
      if (limit > 0 && ++printed >= limit) return 0;
    }
  }
  return 0;
}

int EventsStats(Invocation& in) {
  NatsClient& nats = in.nats();
  const auto stream = GetStream(nats, kEventStream, true);
  if (!stream) throw Error("stream BLOG does not exist on this server (has a service started?)");
  const auto dlq = GetStream(nats, kDeadLetterStream, true);

  auto other = stream->per_subject;
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  Table types({"TYPE", "SUBJECT", "EVENTS"});
  rapidjson::Value by_type(rapidjson::kArrayType);
  for (const auto& e : EventCatalog()) {
    const auto it = other.find(e.subject);
    const std::uint64_t count = it == other.end() ? 0 : it->second;
    if (it != other.end()) other.erase(it);
    types.Add({e.type, e.subject, std::to_string(count)});
    rapidjson::Value row(rapidjson::kObjectType);
    row.AddMember("type", JsonString(doc, e.type), alloc);
    row.AddMember("subject", JsonString(doc, e.subject), alloc);
    row.AddMember("events", count, alloc);
    by_type.PushBack(row, alloc);
  }
  for (const auto& [subject, count] : other)
    types.Add({"(not in the catalog)", subject, std::to_string(count)});

  if (in.args.json()) {
    rapidjson::Value s(rapidjson::kObjectType);
    s.AddMember("name", "BLOG", alloc);
    s.AddMember("events", stream->messages, alloc);
    s.AddMember("bytes", stream->bytes, alloc);
    s.AddMember("first_sequence", stream->first_sequence, alloc);
    s.AddMember("last_sequence", stream->last_sequence, alloc);
    s.AddMember("first_time", JsonString(doc, FormatTime(stream->first_time_ns)), alloc);
    s.AddMember("last_time", JsonString(doc, FormatTime(stream->last_time_ns)), alloc);
    s.AddMember("consumers", stream->consumers, alloc);
    doc.AddMember("stream", s, alloc);
    doc.AddMember("types", by_type, alloc);
    rapidjson::Value others(rapidjson::kObjectType);
    for (const auto& [subject, count] : other)
      others.AddMember(JsonString(doc, subject), rapidjson::Value(count), alloc);
    doc.AddMember("other_subjects", others, alloc);
    rapidjson::Value dead(rapidjson::kObjectType);
    dead.AddMember("total", dlq ? dlq->messages : 0, alloc);
    rapidjson::Value per(rapidjson::kObjectType);
    if (dlq) {
      for (const auto& [subject, count] : dlq->per_subject) {
        per.AddMember(JsonString(doc, subject.substr(subject.find('.') + 1)),
                      rapidjson::Value(count), alloc);
      }
    }
    dead.AddMember("by_consumer", per, alloc);
    doc.AddMember("dead_letters", dead, alloc);
    PrintJson(in.out, doc);
    return 0;
  }
  in.out << "stream BLOG (" << kEventSubjects << "): " << stream->messages << " events, "
         << stream->bytes << " bytes";
  if (stream->messages > 0) {
    in.out << ", sequences " << stream->first_sequence << ".." << stream->last_sequence << ", "
           << FormatTime(stream->first_time_ns) << " to " << FormatTime(stream->last_time_ns);
  }
  in.out << ", " << stream->consumers << " consumers\n\n";
  types.Print(in.out);
  in.out << "\nstream BLOG_DLQ (" << kDeadLetterSubjects << "): "
         << (dlq ? std::to_string(dlq->messages) + " dead letters" : std::string("missing"))
         << "\n";
  if (dlq && !dlq->per_subject.empty()) {
    Table dead({"CONSUMER", "DEAD LETTERS"});
    for (const auto& [subject, count] : dlq->per_subject) {
      dead.Add({subject.substr(subject.find('.') + 1), std::to_string(count)});
    }
    in.out << "\n";
    dead.Print(in.out);
  }
  return 0;
}

}  // namespace blog::ctl

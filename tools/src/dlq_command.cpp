// blogctl dlq list|show|requeue|purge: the dead letters on stream BLOG_DLQ (dead_letter.hpp).
#include <climits>
#include <optional>
#include <sstream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/jetstream.hpp"
#include "common/stream_reader.hpp"

#include "commands.hpp"
#include "event_format.hpp"
#include "output.hpp"

namespace blog::ctl {
namespace {

constexpr auto kReadWait = std::chrono::seconds(5);
constexpr std::string_view kRequeuedFromHeader = "Blog-Requeued-From";

std::string Header(const StoredMessage& m, std::string_view name) {
  const auto it = m.headers.find(std::string(name));
  return it == m.headers.end() ? "" : it->second;
}

std::string Filter(const Args& args) {
  const auto consumer = args.Value("consumer");
  return consumer ? "dlq." + *consumer : std::string(kDeadLetterSubjects);
}

void RequireDlq(NatsClient& nats) {
  if (!GetStream(nats, kDeadLetterStream, false)) {
    throw Error("stream BLOG_DLQ does not exist on this server (has a service started?)");
  }
}

// Every dead letter matching `filter`, oldest first.
std::vector<StoredMessage> ReadLetters(NatsClient& nats, const std::string& filter) {
  const StartPosition all{};
  const std::uint64_t count = CountFrom(nats, kDeadLetterStream, filter, all);
  std::vector<StoredMessage> letters;
  if (count == 0) return letters;
  StreamCursor cursor(nats, kDeadLetterStream, filter, all);
  while (letters.size() < count) {
    auto batch = cursor.Next(256, kReadWait);
    if (batch.empty()) throw UnavailableError("stream BLOG_DLQ stopped answering");
    for (auto& m : batch) {
      if (letters.size() < count) letters.push_back(std::move(m));
    }
  }
  return letters;
}

// The dead letter a command names: nullopt for "all", else its sequence. Checked before
// connecting, so a typo is a usage error (exit 2) whether or not the server is up.
std::optional<std::uint64_t> Which(const Args& args, bool all_allowed) {
  const std::string& which = args.positionals().front();
  if (which == "all" && all_allowed) return std::nullopt;
  if (args.Has("consumer")) throw UsageError("--consumer goes with 'all', not with a SEQ");
  return static_cast<std::uint64_t>(
      ParseInt(which, all_allowed ? "SEQ (or all)" : "SEQ", 1, INT64_MAX));
}

StoredMessage OneLetter(NatsClient& nats, std::uint64_t seq) {
  auto letter = GetMessage(nats, kDeadLetterStream, seq);
  if (!letter) throw Error("no dead letter with sequence " + std::to_string(seq) + " on BLOG_DLQ");
  return *letter;
}

std::vector<StoredMessage> Targets(NatsClient& nats, const Args& args,
                                   std::optional<std::uint64_t> which) {
  if (!which) return ReadLetters(nats, Filter(args));
  return {OneLetter(nats, *which)};
}

rapidjson::Value LetterJson(rapidjson::Document& doc, const StoredMessage& m) {
  auto& a = doc.GetAllocator();
  rapidjson::Value v = MessageJson(doc, m);
  const EventIdentity id = Identify(m.data);
  v.AddMember("consumer", JsonString(doc, Header(m, kDlqConsumerHeader)), a);
  v.AddMember("original_subject", JsonString(doc, Header(m, kDlqSubjectHeader)), a);
  const std::string original = Header(m, kDlqSequenceHeader);
  v.AddMember("original_sequence",
              static_cast<std::uint64_t>(original.empty() ? 0 : std::stoull(original)), a);
  v.AddMember("reason", JsonString(doc, Header(m, kDlqErrorHeader)), a);
  v.AddMember("type", JsonString(doc, id.type), a);
  v.AddMember("event_id", JsonString(doc, id.id), a);
  return v;
}

std::string Pretty(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) return body;
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

int DlqList(Invocation& in) {
  NatsClient& nats = in.nats();
  RequireDlq(nats);
  const auto letters = ReadLetters(nats, Filter(in.args));
  if (in.args.json()) {
    rapidjson::Document doc(rapidjson::kObjectType);
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto& m : letters) list.PushBack(LetterJson(doc, m), doc.GetAllocator());
    doc.AddMember("dead_letters", list, doc.GetAllocator());
    PrintJson(in.out, doc);
    return 0;
  }
  if (letters.empty()) {
    in.out << "no dead letters\n";
    return 0;
  }
  Table table({"SEQ", "DEAD-LETTERED", "CONSUMER", "ORIGINAL", "TYPE", "EVENT-ID", "ERROR"});
  for (const auto& m : letters) {
    const EventIdentity id = Identify(m.data);
    table.Add({std::to_string(m.sequence), FormatTime(m.timestamp_ns),
               Header(m, kDlqConsumerHeader),
               Header(m, kDlqSubjectHeader) + "#" + Header(m, kDlqSequenceHeader), id.type, id.id,
               Header(m, kDlqErrorHeader)});
  }
  table.Print(in.out);
  return 0;
}

int DlqShow(Invocation& in) {
  const auto which = Which(in.args, false);
  NatsClient& nats = in.nats();
  RequireDlq(nats);
  const StoredMessage m = OneLetter(nats, *which);
  if (in.args.json()) {
    rapidjson::Document doc;
    PrintJson(in.out, LetterJson(doc, m));
    return 0;
  }
  const EventIdentity id = Identify(m.data);
  in.out << "dead letter #" << m.sequence << " on BLOG_DLQ (" << m.subject << "), stored "
         << FormatTime(m.timestamp_ns) << "\n";
  Table headers({"header", "value"});
  for (const auto& [key, value] : m.headers) headers.Add({"  " + key + ":", value});
  std::ostringstream text;
  headers.Print(text);
  in.out << text.str().substr(text.str().find('\n') + 1);
  in.out << "event " << (id.error.empty() ? id.type + " " + id.id : "undecodable: " + id.error)
         << "\n"
         << Pretty(m.data) << "\n";
  return 0;
}

int DlqRequeue(Invocation& in) {
  const auto which = Which(in.args, true);
  NatsClient& nats = in.nats();
  RequireDlq(nats);
  const auto letters = Targets(nats, in.args, which);
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  rapidjson::Value done(rapidjson::kArrayType);
  rapidjson::Value refused(rapidjson::kArrayType);
  bool any_refused = false;  // `refused` is moved into `doc` below
  for (const auto& m : letters) {
    const std::string subject = Header(m, kDlqSubjectHeader);
    const EventIdentity id = Identify(m.data);
    std::string problem;
    if (subject.rfind("blog.", 0) != 0) {
      problem = "its original subject '" + subject + "' is not an event subject (blog.>)";
    } else if (!id.error.empty()) {
      problem = "the event is undecodable (" + id.error +
                "); requeueing would only dead-letter "
                "it again: inspect it with 'dlq show' and remove it with 'dlq purge'";
    }
    if (!problem.empty()) {
      in.err << "blogctl: dead letter #" << m.sequence << " not requeued: " << problem << "\n";
      rapidjson::Value row(rapidjson::kObjectType);
      row.AddMember("sequence", m.sequence, alloc);
      row.AddMember("error", JsonString(doc, problem), alloc);
      refused.PushBack(row, alloc);
      any_refused = true;
      continue;
    }
    NatsHeaders headers{{std::string(kMsgIdHeader), NewUuid()},
                        {std::string(kRequeuedFromHeader),
                         std::string(kDeadLetterStream) + ":" + std::to_string(m.sequence)}};
    if (!m.traceparent.empty()) headers[std::string(kTraceParentHeader)] = m.traceparent;
    const std::uint64_t stored = nats.Publish(subject, m.data, headers);
    DeleteMessage(nats, kDeadLetterStream, m.sequence);
    if (in.args.json()) {
      rapidjson::Value row(rapidjson::kObjectType);
      row.AddMember("sequence", m.sequence, alloc);
      row.AddMember("type", JsonString(doc, id.type), alloc);
      row.AddMember("event_id", JsonString(doc, id.id), alloc);
      row.AddMember("subject", JsonString(doc, subject), alloc);
      row.AddMember("new_sequence", stored, alloc);
      row.AddMember("msg_id", JsonString(doc, headers[std::string(kMsgIdHeader)]), alloc);
      done.PushBack(row, alloc);
    } else {
      in.out << "requeued dead letter #" << m.sequence << " (" << id.type << " " << id.id
             << ", from " << Header(m, kDlqConsumerHeader) << ") to " << subject
             << " as stream sequence " << stored << "; removed from BLOG_DLQ\n";
    }
  }
  if (in.args.json()) {
    doc.AddMember("requeued", done, alloc);
    doc.AddMember("refused", refused, alloc);
    PrintJson(in.out, doc);
  } else if (letters.empty()) {
    in.out << "no dead letters\n";
  }
  return any_refused ? 1 : 0;
}

int DlqPurge(Invocation& in) {
  const auto which = Which(in.args, true);
  NatsClient& nats = in.nats();
  RequireDlq(nats);
  std::uint64_t removed = 0;
  if (!which && !in.args.Has("consumer")) {
    removed = GetStream(nats, kDeadLetterStream, false)->messages;
    PurgeStream(nats, kDeadLetterStream);
  } else {
    for (const auto& m : Targets(nats, in.args, which)) {
      if (DeleteMessage(nats, kDeadLetterStream, m.sequence)) ++removed;
    }
  }
  if (in.args.json()) {
    rapidjson::Document doc(rapidjson::kObjectType);
    doc.AddMember("removed", removed, doc.GetAllocator());
    PrintJson(in.out, doc);
  } else {
    in.out << "removed " << removed << " dead letter(s) from BLOG_DLQ\n";
  }
  return 0;
}

}  // namespace blog::ctl

// blogctl top: gathers a snapshot every --interval seconds and redraws the screen.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <thread>

#include <rapidjson/document.h>

#include "common/config.hpp"
#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"

#include "commands.hpp"
#include "http_get.hpp"
#include "output.hpp"
#include "top_view.hpp"

namespace blog::ctl {
namespace {

constexpr auto kScrapeTimeout = std::chrono::milliseconds(800);
constexpr std::string_view kClearScreen = "\x1b[H\x1b[2J";

std::vector<Target> Targets(const Invocation& in) {
  std::vector<Target> targets;
  for (const auto& p : in.args.positionals()) targets.push_back(ParseTarget(p));
  if (!targets.empty()) return targets;
  const std::string file = in.args.Value("targets").value_or(EnvString("BLOG_TARGETS", ""));
  if (file.empty()) {
    throw UsageError(
        "name the service instances (posts=HOST:PORT ...) or a topology file (--targets FILE)");
  }
  return ReadTargetsFile(file);
}

TopSnapshot Gather(Invocation& in, const std::vector<Target>& targets) {
  TopSnapshot s;
  for (const auto& t : targets) {
    InstanceScrape scrape{t, std::nullopt};
    if (const auto body = HttpGet(t.host, t.port, "/metrics", kScrapeTimeout)) {
      try {
        scrape.metrics = ParseExposition(*body);
      } catch (const std::exception&) {
        // Not the Prometheus format: shown as not answering.
      }
    }
    s.instances.push_back(std::move(scrape));
  }
  try {
    NatsClient& nats = in.nats();
    s.consumers = ListConsumers(nats, kEventStream);
    if (const auto dlq = GetStream(nats, kDeadLetterStream, true)) {
      for (const auto& c : s.consumers) {
        const auto it = dlq->per_subject.find(DeadLetterSubject(c.name));
        if (it != dlq->per_subject.end()) s.dead_letters[c.name] = it->second;
      }
    }
  } catch (const std::exception& e) {
    s.nats_error = e.what();
  }
  s.at = std::chrono::steady_clock::now();
  return s;
}

std::string Title(double interval_s) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char clock[32];
  std::strftime(clock, sizeof(clock), "%Y-%m-%d %H:%M:%S UTC", &tm);
  char every[16];
  std::snprintf(every, sizeof(every), "%gs", interval_s);
  return std::string("blogctl top   ") + clock + "   every " + every + "   Ctrl-C quits";
}

void PrintJsonFrame(std::ostream& out, const TopSnapshot& now, const TopSnapshot* before) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  const auto number = [&](const std::optional<double>& v) {
    return v ? rapidjson::Value(*v) : rapidjson::Value(rapidjson::kNullType);
  };
  rapidjson::Value services(rapidjson::kArrayType);
  for (const auto& r : ServiceRows(now, before)) {
    rapidjson::Value row(rapidjson::kObjectType);
    row.AddMember("service", JsonString(doc, r.service), a);
    row.AddMember("up", r.up, a);
    row.AddMember("instances", r.instances, a);
    row.AddMember("requests_per_s", number(r.requests_per_s), a);
    row.AddMember("errors_per_s", number(r.errors_per_s), a);
    row.AddMember("published_per_s", number(r.published_per_s), a);
    row.AddMember("outbox", r.outbox, a);
    row.AddMember("outbox_age_s", r.outbox_age_s, a);
    services.PushBack(row, a);
  }
  rapidjson::Value consumers(rapidjson::kArrayType);
  for (const auto& r : ConsumerRows(now, before)) {
    rapidjson::Value row(rapidjson::kObjectType);
    row.AddMember("consumer", JsonString(doc, r.consumer), a);
    row.AddMember("acked_per_s", number(r.acked_per_s), a);
    const auto state = [&](auto v) {
      return r.state ? rapidjson::Value(static_cast<double>(v)) : rapidjson::Value();
    };
    row.AddMember("pending", state(r.state ? r.state->pending : 0), a);
    row.AddMember("ack_pending", state(r.state ? r.state->ack_pending : 0), a);
    row.AddMember("redelivered", state(r.state ? r.state->redelivered : 0), a);
    row.AddMember("dead_letters", r.dead_letters, a);
    row.AddMember("note", JsonString(doc, r.note), a);
    consumers.PushBack(row, a);
  }
  doc.AddMember("services", services, a);
  doc.AddMember("consumers", consumers, a);
  if (!now.nats_error.empty()) doc.AddMember("nats_error", JsonString(doc, now.nats_error), a);
  PrintJson(out, doc);
}

}  // namespace

int Top(Invocation& in) {
  const auto targets = Targets(in);
  const auto interval_ms = in.args.Int("interval-ms", 1000, 100, 3'600'000);
  const auto count = in.args.Int("count", 0, 0, 1'000'000);
  const bool plain = in.args.Has("plain") || in.args.json();
  std::optional<TopSnapshot> before;
  for (std::int64_t frame = 1;; ++frame) {
    TopSnapshot now = Gather(in, targets);
    const TopSnapshot* previous = before ? &*before : nullptr;
    if (in.args.json()) {
      PrintJsonFrame(in.out, now, previous);
    } else {
      if (!plain) in.out << kClearScreen;
      in.out << RenderTop(now, previous, Title(static_cast<double>(interval_ms) / 1000.0));
      if (plain) in.out << "\n";
    }
    in.out.flush();
    if (count != 0 && frame >= count) return 0;
    before = std::move(now);
    // Sleeps in small steps so that Ctrl-C quits at once.
    const auto wake = before->at + std::chrono::milliseconds(interval_ms);
    while (std::chrono::steady_clock::now() < wake) {
      if (in.interrupted()) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (in.interrupted()) return 0;
  }
}

}  // namespace blog::ctl

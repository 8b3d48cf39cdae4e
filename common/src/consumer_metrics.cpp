#include "consumer_metrics.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <rapidjson/document.h>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/metrics.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

constexpr int kRequestTimeoutMs = 2000;

// Messages stored on `subject` of stream BLOG_DLQ (the stream info filtered to that subject:
// jetstream.hpp's GetStream would list every subject of the stream).
std::uint64_t CountDeadLetters(jsCtx* js, const std::string& subject) {
  jsOptions options;
  jsOptions_Init(&options);
  options.Stream.Info.SubjectsFilter = subject.c_str();
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string stream(kDeadLetterStream);
  const natsStatus s = js_GetStreamInfo(&info, js, stream.c_str(), &options, &jerr);
  if (s == NATS_NOT_FOUND) return 0;
  CheckNats(s, "stream info " + stream, jerr);
  std::uint64_t count = 0;
  if (const auto* subjects = info->State.Subjects; subjects != nullptr) {
    for (int i = 0; i < subjects->Count; ++i) {
      if (subject == subjects->List[i].Subject) count = subjects->List[i].Msgs;
    }
  }
  jsStreamInfo_Destroy(info);
  return count;
}

// The stream sequence and store time of a message of stream BLOG picked by `request` (a
// JetStream "msg get" request body); nullopt when there is none.
struct Located {
  std::uint64_t sequence = 0;
  std::int64_t time_ns = 0;
};
std::optional<Located> GetMessageInfo(natsConnection* nc, const std::string& request) {
  const std::string api = "$JS.API.STREAM.MSG.GET." + std::string(kEventStream);
  natsMsg* reply = nullptr;
  CheckNats(
      natsConnection_RequestString(&reply, nc, api.c_str(), request.c_str(), kRequestTimeoutMs),
      "message look-up on " + std::string(kEventStream));
  rapidjson::Document doc;
  doc.Parse(natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  if (doc.HasParseError() || !doc.IsObject()) throw Error("message look-up: reply is not JSON");
  if (doc.HasMember("error")) {
    const auto& error = doc["error"];
    if (error.HasMember("code") && error["code"].IsInt() && error["code"].GetInt() == 404) {
      return std::nullopt;
    }
    const auto* description = error.HasMember("description") && error["description"].IsString()
                                  ? error["description"].GetString()
                                  : "unknown error";
    throw Error(std::string("message look-up: ") + description);
  }
  if (!doc.HasMember("message") || !doc["message"].IsObject()) {
    throw Error("message look-up: reply has no message");
  }
  const auto& message = doc["message"];
  Located located;
  if (message.HasMember("seq") && message["seq"].IsUint64()) {
    located.sequence = message["seq"].GetUint64();
  }
  if (message.HasMember("time") && message["time"].IsString()) {
    located.time_ns = ParseJetStreamTime(message["time"].GetString());
  }
  return located;
}

void SetReadModelLag(NatsClient& nats, const WatchedConsumer& consumer,
                     const ConsumerState& state) {
  const Labels labels{{"consumer", consumer.name}};
  auto& metrics = Metrics::Global();
  double sequences = 0;
  double seconds = 0;
  if (state.pending > 0 || state.ack_pending > 0) {
    natsConnection* nc = NatsAccess::Of(nats).connection;
    const auto last = GetMessageInfo(nc, R"({"last_by_subj":")" + consumer.subject + R"("})");
    // The first event of its subject after the acknowledged floor: the oldest not yet applied.
    const auto oldest = GetMessageInfo(nc, R"({"seq":)" + std::to_string(state.ack_floor + 1) +
                                               R"(,"next_by_subj":")" + consumer.subject + R"("})");
    if (last && last->sequence > state.ack_floor) {
      sequences = static_cast<double>(last->sequence - state.ack_floor);
    }
    if (oldest && oldest->time_ns > 0) {
      const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      seconds = std::max(0.0, static_cast<double>(now - oldest->time_ns) / 1e9);
    }
  }
  metrics.Set("blog_read_model_lag_sequences", labels, sequences);
  metrics.Set("blog_read_model_lag_seconds", labels, seconds);
}

}  // namespace

std::int64_t ParseJetStreamTime(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::int64_t nanos = 0;
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    std::int64_t scale = 100'000'000;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      nanos += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i >= text.size() || text[i] != 'Z') return 0;  // JetStream writes UTC
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000 + nanos;
}

bool RefreshConsumerGauges(NatsClient& nats, const WatchedConsumer& consumer) {
  const auto state = GetConsumer(nats, kEventStream, consumer.name);
  if (!state) return false;
  const Labels labels{{"consumer", consumer.name}};
  auto& metrics = Metrics::Global();
  metrics.Set("blog_consumer_pending", labels, static_cast<double>(state->pending));
  metrics.Set("blog_consumer_ack_pending", labels, static_cast<double>(state->ack_pending));
  metrics.Set("blog_consumer_redelivered", labels, static_cast<double>(state->redelivered));
  metrics.Set("blog_dead_letters", labels,
              static_cast<double>(CountDeadLetters(NatsAccess::Of(nats).js,
                                                   DeadLetterSubject(consumer.name))));
  if (consumer.read_model) SetReadModelLag(nats, consumer, *state);
  return true;
}

}  // namespace blog

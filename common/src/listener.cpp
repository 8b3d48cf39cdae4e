#include "common/listener.hpp"

#include <algorithm>
#include <chrono>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/trace.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

using std::chrono::milliseconds;
constexpr auto kWaitForMessages = milliseconds(500);
constexpr auto kPauseOnFailure = milliseconds(250);

std::int64_t Nanos(milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count();
}

std::string Header(natsMsg* msg, std::string_view key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, std::string(key).c_str(), &value) == NATS_OK && value != nullptr) {
    return value;
  }
  return {};
}

// Creates the consumer, or updates its settings when it exists (optionally deleting it first).
void EnsureConsumer(jsCtx* js, const std::string& name, const std::string& subject,
                    const ListenerSettings& settings, bool reset) {
  const std::string stream(kEventStream);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (reset) {
    const natsStatus s = js_DeleteConsumer(js, stream.c_str(), name.c_str(), nullptr, &jerr);
    if (s == NATS_OK)
      log::Info("consumer reset to replay from the first event", {{"consumer", name}});
    if (s != NATS_NOT_FOUND) CheckNats(s, "delete consumer " + name, jerr);
  }
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  cfg.Durable = name.c_str();
  cfg.Name = name.c_str();
  cfg.FilterSubject = subject.c_str();
  cfg.AckPolicy = js_AckExplicit;
  cfg.DeliverPolicy = js_DeliverAll;
  cfg.AckWait = Nanos(settings.ack_wait);
  // Unlimited on the server: a server-side limit would silently park a message. The listener
  // itself dead-letters after MAX_DELIVER failed tries, so nothing is left unaccounted for.
  cfg.MaxDeliver = -1;
  cfg.MaxAckPending = 1000;
  jsConsumerInfo* info = nullptr;
  natsStatus s = js_GetConsumerInfo(&info, js, stream.c_str(), name.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND) {
    s = js_AddConsumer(&info, js, stream.c_str(), &cfg, nullptr, &jerr);
    CheckNats(s, "create consumer " + name, jerr);
    log::Info("consumer created", {{"consumer", name}, {"subject", subject}});
  } else {
    CheckNats(s, "look up consumer " + name, jerr);
    const bool same = info->Config->AckWait == cfg.AckWait && info->Config->MaxDeliver == -1;
    // The start position cannot be updated, and `blogctl replay` may have moved it: keep it.
    cfg.DeliverPolicy = info->Config->DeliverPolicy;
    cfg.OptStartSeq = info->Config->OptStartSeq;
    cfg.OptStartTime = info->Config->OptStartTime;
    jsConsumerInfo_Destroy(info);
    info = nullptr;
    if (!same)
      CheckNats(js_UpdateConsumer(&info, js, stream.c_str(), &cfg, nullptr, &jerr),
                "update consumer " + name, jerr);
  }
  if (info != nullptr) jsConsumerInfo_Destroy(info);
}

}  // namespace

struct ListenerBase::Impl {
  natsSubscription* subscription = nullptr;

  ~Impl() {
    if (subscription != nullptr) natsSubscription_Destroy(subscription);
  }
};

std::string ConsumerName(std::string_view service, std::string_view type) {
  return std::string(service) + "-" + std::string(type);
}

ListenerBase::ListenerBase(ListenerContext& context, std::string_view event_type,
                           std::string_view subject)
    : context_(context),
      type_(event_type),
      subject_(subject),
      consumer_(blog::ConsumerName(context.service, event_type)),
      impl_(std::make_unique<Impl>()) {}

ListenerBase::~ListenerBase() { Stop(); }

void ListenerBase::Start() {
  jsCtx* js = context_.nats.native().js;
  EnsureConsumer(js, consumer_, subject_, context_.settings, context_.reset_consumers);
  jsSubOptions options;
  jsSubOptions_Init(&options);
  const std::string stream(kEventStream);
  options.Stream = stream.c_str();
  options.Consumer = consumer_.c_str();  // bind only: the subscription never owns the consumer
  jsErrCode jerr = static_cast<jsErrCode>(0);
  CheckNats(js_PullSubscribe(&impl_->subscription, js, subject_.c_str(), consumer_.c_str(), nullptr,
                             &options, &jerr),
            "bind consumer " + consumer_, jerr);
  stopping_ = false;
  bound_ = true;
  thread_ = std::thread([this] { Run(); });
}

void ListenerBase::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  bound_ = false;
}

namespace {

// Handles one fetched message; returns false when fetching should pause (database down).
bool Process(natsMsg* msg, ListenerContext& context, const std::string& consumer,
             const std::string& type,
             const std::function<void(const DecodedEvent&, Tx&)>& dispatch) {
  auto& metrics = Metrics::Global();
  const Labels labels{{"consumer", consumer}};
  const auto started = std::chrono::steady_clock::now();
  IncomingEvent incoming;
  incoming.subject = natsMsg_GetSubject(msg);
  std::uint64_t delivered = 1;
  if (jsMsgMetaData* meta = nullptr; natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    incoming.stream_sequence = meta->Sequence.Stream;
    delivered = meta->NumDelivered;
    const auto stored = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(meta->Timestamp)));
    metrics.Observe(
        "blog_event_age_seconds", labels,
        std::chrono::duration<double>(std::chrono::system_clock::now() - stored).count());
    jsMsgMetaData_Destroy(meta);
  }
  const std::string traceparent = Header(msg, kTraceParentHeader);
  const TraceScope trace(TraceParent::FromHeader(traceparent));
  const std::string_view body(natsMsg_GetData(msg),
                              static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  metrics.Increment("blog_events_consumed_total", labels);

  const auto dead_letter = [&](const std::string& error) {
    try {
      PublishDeadLetter(context.nats, DeadLetter{.consumer = consumer,
                                                 .original_subject = incoming.subject,
                                                 .original_sequence = incoming.stream_sequence,
                                                 .error = error,
                                                 .traceparent = traceparent,
                                                 .body = std::string(body)});
    } catch (const std::exception& e) {
      // Keep the message: it is redelivered and dead-lettered on a later try.
      log::Error("dead-letter publish failed", {{"consumer", consumer}, {"error", e.what()}});
      natsMsg_NakWithDelay(msg, context.settings.retry_max.count(), nullptr);
      return;
    }
    natsMsg_Term(msg, nullptr);
    metrics.Increment("blog_events_dead_lettered_total", labels);
    log::Error("event dead-lettered", {{"consumer", consumer},
                                       {"sequence", std::to_string(incoming.stream_sequence)},
                                       {"error", error}});
  };

  DecodedEvent decoded;
  try {
    decoded = DecodeEvent(body);
    if (TypeOf(decoded.event) != type) {
      throw DecodeError("consumer " + consumer + " expects " + type + ", got " +
                            std::string(TypeOf(decoded.event)),
                        "type");
    }
  } catch (const DecodeError& e) {
    dead_letter(std::string("undecodable event: ") + e.what());
    return true;
  }
  incoming.meta = decoded.meta;

  try {
    bool duplicate = false;
    context.db.Transact(
        [&](Tx& tx) {
          const auto inserted = tx.Sql().exec_params(
              "INSERT INTO blog_inbox (event_id, consumer) VALUES ($1, $2) "
              "ON CONFLICT (event_id) DO NOTHING",
              incoming.meta.id, consumer);
          duplicate = inserted.affected_rows() == 0;
          if (!duplicate) dispatch(decoded, tx);
        },
        &incoming);
    natsMsg_Ack(msg, nullptr);
    metrics.Increment(duplicate ? "blog_events_duplicate_total" : "blog_events_acked_total",
                      labels);
    metrics.Observe(
        "blog_handler_duration_seconds", labels,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    // One line per handled event, carrying the event's trace_id: a request can be followed
    // through every service's log, not only through those with an HTTP edge.
    log::Info(duplicate ? "event skipped: already applied" : "event applied",
              {{"consumer", consumer},
               {"event_id", incoming.meta.id},
               {"sequence", std::to_string(incoming.stream_sequence)}});
    return true;
  } catch (const UnavailableError& e) {
    log::Warn("event deferred: database unavailable",
              {{"consumer", consumer}, {"error", e.what()}});
    natsMsg_NakWithDelay(msg, context.settings.retry_base.count(), nullptr);
    metrics.Increment("blog_events_nakd_total", labels);
    return false;
  } catch (const std::exception& e) {
    if (delivered >= static_cast<std::uint64_t>(context.settings.max_deliver)) {
      dead_letter("handler failed " + std::to_string(delivered) + " times: " + e.what());
      return true;
    }
    const auto exponent = std::min<std::uint64_t>(delivered - 1, 20);
    const auto delay = std::min(context.settings.retry_base * (std::int64_t{1} << exponent),
                                context.settings.retry_max);
    log::Warn("event handler failed; retrying", {{"consumer", consumer},
                                                 {"error", e.what()},
                                                 {"attempt", std::to_string(delivered)},
                                                 {"retry_in_ms", std::to_string(delay.count())}});
    natsMsg_NakWithDelay(msg, delay.count(), nullptr);
    metrics.Increment("blog_events_nakd_total", labels);
    return true;
  }
}

}  // namespace

void ListenerBase::Run() {
  const auto dispatch = [this](const DecodedEvent& event, Tx& tx) { Dispatch(event, tx); };
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (!stopping_) {
    // First take whatever is ready (up to a batch) without waiting; when nothing is, wait for the
    // next single message, which returns as soon as one arrives (low latency when idle).
    natsMsgList list{};
    jsFetchRequest request;
    jsFetchRequest_Init(&request);
    request.Batch = context_.settings.batch;
    request.NoWait = true;
    request.Expires = Nanos(kWaitForMessages);
    natsStatus status = natsSubscription_FetchRequest(&list, impl_->subscription, &request);
    if (status == NATS_NOT_FOUND || status == NATS_TIMEOUT) {
      jsFetchRequest_Init(&request);
      request.Batch = 1;
      request.Expires = Nanos(kWaitForMessages);
      status = natsSubscription_FetchRequest(&list, impl_->subscription, &request);
    }
    if (status == NATS_TIMEOUT || status == NATS_NOT_FOUND) continue;
    if (status != NATS_OK) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warning > std::chrono::seconds(5)) {
        log::Warn("fetch failed", {{"consumer", consumer_}, {"error", natsStatus_GetText(status)}});
        last_warning = now;
      }
      std::this_thread::sleep_for(kPauseOnFailure);
      continue;
    }
    bool pause = false;
    for (int i = 0; i < list.Count; ++i) {
      // After a stop request or a database outage, hand the rest back at once.
      if (stopping_ || pause) {
        natsMsg_NakWithDelay(list.Msgs[i], stopping_ ? 0 : context_.settings.retry_base.count(),
                             nullptr);
        continue;
      }
      pause = !Process(list.Msgs[i], context_, consumer_, type_, dispatch);
    }
    natsMsgList_Destroy(&list);
    if (pause) std::this_thread::sleep_for(kPauseOnFailure);
  }
}

}  // namespace blog

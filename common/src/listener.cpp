#include "common/listener.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "common/errors.hpp"
#include "common/log.hpp"

#include "delivery.hpp"
#include "nats_native.hpp"

namespace blog {
namespace {

using std::chrono::milliseconds;
constexpr auto kWaitForMessages = milliseconds(500);
constexpr auto kPauseOnFailure = milliseconds(250);

std::int64_t Nanos(milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count();
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
  std::optional<DeliveryApplier> applier;

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

void ListenerBase::Run() {
  DeliveryApplier& applier =
      impl_->applier.emplace(
          context_, consumer_, type_,
          [this](const DecodedEvent& event, Tx& tx) { Dispatch(event, tx); },
          [this](Tx& tx) { OnBatchEnd(tx); });
  auto last_warning = std::chrono::steady_clock::time_point{};
  std::vector<Delivery> batch;
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
    // Everything fetched is applied in one transaction (see delivery.hpp).
    batch.clear();
    for (int i = 0; i < list.Count; ++i) {
      if (stopping_) {
        natsMsg_NakWithDelay(list.Msgs[i], 0, nullptr);  // hand it back at once
      } else if (auto delivery = applier.Read(list.Msgs[i])) {
        batch.push_back(std::move(*delivery));
      }
    }
    const bool pause = !batch.empty() && !applier.Apply(batch);
    batch.clear();
    natsMsgList_Destroy(&list);
    if (pause) std::this_thread::sleep_for(kPauseOnFailure);
  }
}

}  // namespace blog

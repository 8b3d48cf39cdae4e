#include "common/listener.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "common/errors.hpp"
#include "common/jetstream.hpp"
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
void EnsureConsumer(NatsClient& nats, const ConsumerConfig& wanted, bool reset) {
  const std::string& name = wanted.durable;
  if (reset && DeleteConsumer(nats, kEventStream, name)) {
    log::Info("consumer reset to replay from the first event", {{"consumer", name}});
  }
  const auto have = GetConsumer(nats, kEventStream, name);
  if (!have) {
    CreateConsumer(nats, kEventStream, wanted);
    log::Info("consumer created", {{"consumer", name}, {"subject", wanted.filter_subject}});
    return;
  }
  // The start position cannot be updated, and `blogctl replay` may have moved it: UpdateConsumer
  // keeps it.
  if (have->config.ack_wait != wanted.ack_wait || have->config.max_deliver != wanted.max_deliver) {
    UpdateConsumer(nats, kEventStream, wanted);
  }
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

ConsumerConfig ListenerConsumerConfig(std::string name, std::string subject,
                                      const ListenerSettings& settings) {
  return ConsumerConfig{
      .durable = std::move(name),
      .filter_subject = std::move(subject),
      .start = {},  // deliver all
      .explicit_ack = true,
      .ack_wait = settings.ack_wait,
      // Unlimited on the server: a server-side limit would silently park a message. The listener
      // itself dead-letters after MAX_DELIVER failed tries, so nothing is left unaccounted for.
      .max_deliver = -1,
      .max_ack_pending = 1000,
      .inactive_threshold = {}};
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
  EnsureConsumer(context_.nats, ListenerConsumerConfig(consumer_, subject_, context_.settings),
                 context_.reset_consumers);
  impl_->subscription = BindPullConsumer(context_.nats, kEventStream, consumer_, subject_);
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

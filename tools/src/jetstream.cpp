#include "jetstream.hpp"

#include "common/dead_letter.hpp"
#include "common/errors.hpp"

#include "nats_native.hpp"

namespace blog::ctl {
namespace {

constexpr auto kEphemeralIdle = std::chrono::seconds(30);

jsErrCode NoJsError() { return static_cast<jsErrCode>(0); }

std::string PolicyName(jsDeliverPolicy policy) {
  switch (policy) {
    case js_DeliverAll:
      return "all";
    case js_DeliverLast:
      return "last";
    case js_DeliverNew:
      return "new";
    case js_DeliverByStartSequence:
      return "by_start_sequence";
    case js_DeliverByStartTime:
      return "by_start_time";
    case js_DeliverLastPerSubject:
      return "last_per_subject";
  }
  return "unknown";
}

ConsumerState ToState(const jsConsumerInfo& info) {
  ConsumerState s;
  s.name = info.Name != nullptr ? info.Name : "";
  const jsConsumerConfig& cfg = *info.Config;
  s.filter_subject = cfg.FilterSubject != nullptr ? cfg.FilterSubject : "";
  s.durable = cfg.Durable != nullptr && *cfg.Durable != '\0';
  s.pending = info.NumPending;
  s.ack_pending = info.NumAckPending;
  s.redelivered = info.NumRedelivered;
  s.waiting = info.NumWaiting;
  s.delivered_sequence = info.Delivered.Stream;
  s.ack_floor = info.AckFloor.Stream;
  s.max_deliver = cfg.MaxDeliver;
  s.ack_wait_ms = cfg.AckWait / 1'000'000;
  s.deliver_policy = PolicyName(cfg.DeliverPolicy);
  s.start_sequence = cfg.OptStartSeq;
  return s;
}

void ApplyStart(jsConsumerConfig& cfg, const StartPosition& start) {
  cfg.OptStartSeq = 0;  // the server refuses a start that does not fit the policy
  cfg.OptStartTime = 0;
  switch (start.kind) {
    case StartPosition::Kind::kAll:
      cfg.DeliverPolicy = js_DeliverAll;
      break;
    case StartPosition::Kind::kSequence:
      cfg.DeliverPolicy = start.sequence <= 1 ? js_DeliverAll : js_DeliverByStartSequence;
      if (start.sequence > 1) cfg.OptStartSeq = start.sequence;
      break;
    case StartPosition::Kind::kTime:
      cfg.DeliverPolicy = js_DeliverByStartTime;
      cfg.OptStartTime = start.time_ns;
      break;
    case StartPosition::Kind::kNew:
      cfg.DeliverPolicy = js_DeliverNew;
      break;
  }
}

}  // namespace

std::optional<StreamState> GetStream(NatsClient& nats, std::string_view stream, bool per_subject) {
  const std::string name(stream);
  jsOptions options;
  jsOptions_Init(&options);
  if (per_subject) options.Stream.Info.SubjectsFilter = ">";
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = NoJsError();
  const natsStatus status =
      js_GetStreamInfo(&info, nats.native().js, name.c_str(), &options, &jerr);
  if (status == NATS_NOT_FOUND) return std::nullopt;
  CheckNats(status, "look up stream " + name, jerr);
  StreamState s;
  s.name = name;
  for (int i = 0; i < info->Config->SubjectsLen; ++i)
    s.subjects.emplace_back(info->Config->Subjects[i]);
  s.messages = info->State.Msgs;
  s.bytes = info->State.Bytes;
  s.first_sequence = info->State.FirstSeq;
  s.last_sequence = info->State.LastSeq;
  s.first_time_ns = info->State.FirstTime;
  s.last_time_ns = info->State.LastTime;
  s.consumers = info->State.Consumers;
  if (per_subject && info->State.Subjects != nullptr) {
    for (int i = 0; i < info->State.Subjects->Count; ++i) {
      const auto& entry = info->State.Subjects->List[i];
      s.per_subject[entry.Subject] = entry.Msgs;
    }
  }
  jsStreamInfo_Destroy(info);
  return s;
}

std::vector<ConsumerState> ListConsumers(NatsClient& nats, std::string_view stream) {
  const std::string name(stream);
  jsConsumerInfoList* list = nullptr;
  jsErrCode jerr = NoJsError();
  const natsStatus status = js_Consumers(&list, nats.native().js, name.c_str(), nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return {};  // no consumers (or no stream: checked by callers)
  CheckNats(status, "list consumers of " + name, jerr);
  std::vector<ConsumerState> out;
  for (int i = 0; i < list->Count; ++i) out.push_back(ToState(*list->List[i]));
  jsConsumerInfoList_Destroy(list);
  return out;
}

std::optional<ConsumerState> GetConsumer(NatsClient& nats, std::string_view stream,
                                         std::string_view name) {
  const std::string stream_name(stream);
  const std::string consumer(name);
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = NoJsError();
  const natsStatus status = js_GetConsumerInfo(&info, nats.native().js, stream_name.c_str(),
                                               consumer.c_str(), nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return std::nullopt;
  CheckNats(status, "look up consumer " + consumer, jerr);
  ConsumerState s = ToState(*info);
  jsConsumerInfo_Destroy(info);
  return s;
}

ConsumerState RecreateConsumerFrom(NatsClient& nats, std::string_view stream, std::string_view name,
                                   std::uint64_t start_sequence, std::uint64_t first_sequence) {
  jsCtx* js = nats.native().js;
  const std::string stream_name(stream);
  const std::string consumer(name);
  jsConsumerInfo* old_info = nullptr;
  jsErrCode jerr = NoJsError();
  CheckNats(
      js_GetConsumerInfo(&old_info, js, stream_name.c_str(), consumer.c_str(), nullptr, &jerr),
      "look up consumer " + consumer, jerr);
  // old_info owns every string the configuration points to; keep it until the end.
  jsConsumerConfig cfg = *old_info->Config;
  const jsConsumerConfig original = cfg;
  ApplyStart(cfg, start_sequence <= first_sequence
                      ? StartPosition{}
                      : StartPosition{StartPosition::Kind::kSequence, start_sequence, 0});
  jsConsumerInfo* created = nullptr;
  try {
    CheckNats(js_DeleteConsumer(js, stream_name.c_str(), consumer.c_str(), nullptr, &jerr),
              "delete consumer " + consumer, jerr);
    const natsStatus status =
        js_AddConsumer(&created, js, stream_name.c_str(), &cfg, nullptr, &jerr);
    if (status != NATS_OK) {
      jsConsumerConfig restore = original;
      jsErrCode ignored = NoJsError();
      if (js_AddConsumer(&created, js, stream_name.c_str(), &restore, nullptr, &ignored) ==
          NATS_OK) {
        jsConsumerInfo_Destroy(created);
        created = nullptr;
      }
      CheckNats(status, "recreate consumer " + consumer, jerr);
    }
  } catch (...) {
    jsConsumerInfo_Destroy(old_info);
    throw;
  }
  ConsumerState state = ToState(*created);
  jsConsumerInfo_Destroy(created);
  jsConsumerInfo_Destroy(old_info);
  return state;
}

std::uint64_t CountFrom(NatsClient& nats, std::string_view stream, std::string_view filter,
                        const StartPosition& start) {
  jsCtx* js = nats.native().js;
  const std::string stream_name(stream);
  const std::string filter_text(filter);
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  cfg.AckPolicy = js_AckNone;
  cfg.FilterSubject = filter_text.c_str();
  cfg.InactiveThreshold = std::chrono::nanoseconds(kEphemeralIdle).count();
  ApplyStart(cfg, start);
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = NoJsError();
  CheckNats(js_AddConsumer(&info, js, stream_name.c_str(), &cfg, nullptr, &jerr),
            "count messages of " + stream_name, jerr);
  const std::uint64_t pending = info->NumPending;
  js_DeleteConsumer(js, stream_name.c_str(), info->Name, nullptr, &jerr);
  jsConsumerInfo_Destroy(info);
  return pending;
}

std::optional<StoredMessage> GetMessage(NatsClient& nats, std::string_view stream,
                                        std::uint64_t sequence) {
  const std::string name(stream);
  natsMsg* msg = nullptr;
  jsErrCode jerr = NoJsError();
  const natsStatus status =
      js_GetMsg(&msg, nats.native().js, name.c_str(), sequence, nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return std::nullopt;
  CheckNats(status, "get message " + std::to_string(sequence) + " of " + name, jerr);
  StoredMessage stored = ToStoredMessage(msg);
  stored.sequence = sequence;
  natsMsg_Destroy(msg);
  return stored;
}

bool DeleteMessage(NatsClient& nats, std::string_view stream, std::uint64_t sequence) {
  const std::string name(stream);
  jsErrCode jerr = NoJsError();
  const natsStatus status = js_DeleteMsg(nats.native().js, name.c_str(), sequence, nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return false;
  CheckNats(status, "delete message " + std::to_string(sequence) + " of " + name, jerr);
  return true;
}

void PurgeStream(NatsClient& nats, std::string_view stream) {
  const std::string name(stream);
  jsErrCode jerr = NoJsError();
  CheckNats(js_PurgeStream(nats.native().js, name.c_str(), nullptr, &jerr), "purge " + name, jerr);
}

std::uint64_t PublishStored(NatsClient& nats, std::string_view subject, std::string_view body,
                            const NatsHeaders& headers) {
  const std::string subject_text(subject);
  natsMsg* msg = nullptr;
  CheckNats(natsMsg_Create(&msg, subject_text.c_str(), nullptr, body.data(),
                           static_cast<int>(body.size())),
            "create message");
  for (const auto& [key, value] : headers) natsMsgHeader_Set(msg, key.c_str(), value.c_str());
  jsPubAck* ack = nullptr;
  jsErrCode jerr = NoJsError();
  const natsStatus status = js_PublishMsg(&ack, nats.native().js, msg, nullptr, &jerr);
  natsMsg_Destroy(msg);
  CheckNats(status, "publish to " + subject_text, jerr);
  const std::uint64_t sequence = ack->Sequence;
  jsPubAck_Destroy(ack);
  return sequence;
}

struct StreamCursor::Impl {
  natsSubscription* subscription = nullptr;
};

StreamCursor::StreamCursor(NatsClient& nats, std::string_view stream, std::string_view filter,
                           const StartPosition& start)
    : impl_(std::make_unique<Impl>()) {
  const std::string stream_name(stream);
  const std::string filter_text(filter);
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  cfg.AckPolicy = js_AckNone;
  cfg.FilterSubject = filter_text.c_str();
  cfg.InactiveThreshold = std::chrono::nanoseconds(kEphemeralIdle).count();
  ApplyStart(cfg, start);
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream_name.c_str();
  options.Config = cfg;
  jsErrCode jerr = NoJsError();
  CheckNats(js_PullSubscribe(&impl_->subscription, nats.native().js, filter_text.c_str(), nullptr,
                             nullptr, &options, &jerr),
            "read stream " + stream_name, jerr);
}

StreamCursor::~StreamCursor() {
  natsSubscription_Unsubscribe(impl_->subscription);  // removes the ephemeral consumer
  natsSubscription_Destroy(impl_->subscription);
}

std::vector<StoredMessage> StreamCursor::Next(int max, std::chrono::milliseconds wait) {
  natsMsgList list{};
  jsErrCode jerr = NoJsError();
  const natsStatus status =
      natsSubscription_Fetch(&list, impl_->subscription, max, wait.count(), &jerr);
  if (status == NATS_TIMEOUT && list.Count == 0) return {};
  CheckNats(status, "fetch", jerr);
  std::vector<StoredMessage> out;
  out.reserve(static_cast<std::size_t>(list.Count));
  for (int i = 0; i < list.Count; ++i) out.push_back(ToStoredMessage(list.Msgs[i]));
  natsMsgList_Destroy(&list);
  return out;
}

}  // namespace blog::ctl

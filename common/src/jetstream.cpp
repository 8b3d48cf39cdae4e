#include "common/jetstream.hpp"

#include "common/errors.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

constexpr jsErrCode kNoJsError = static_cast<jsErrCode>(0);

jsCtx* Js(NatsClient& nats) { return NatsAccess::Of(nats).js; }

// Creates or updates a stream (`send` is js_AddStream or js_UpdateStream).
using StreamRequest = natsStatus (*)(jsStreamInfo**, jsCtx*, jsStreamConfig*, jsOptions*,
                                     jsErrCode*);
StreamState SendStreamConfig(NatsClient& nats, const StreamConfig& config, StreamRequest send,
                             const std::string& what) {
  NativeStreamConfig native(config);
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = kNoJsError;
  CheckNats(send(&info, Js(nats), &native.cfg, nullptr, &jerr), what + config.name, jerr);
  return TakeStreamState(info);
}

// The native information of a consumer; nullptr when there is none. The caller destroys it.
jsConsumerInfo* LookUpConsumer(NatsClient& nats, const std::string& stream,
                               const std::string& name) {
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = kNoJsError;
  const natsStatus status =
      js_GetConsumerInfo(&info, Js(nats), stream.c_str(), name.c_str(), nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return nullptr;
  CheckNats(status, "look up consumer " + name, jerr);
  return info;
}

}  // namespace

std::optional<StreamState> GetStream(NatsClient& nats, std::string_view name, bool per_subject) {
  const std::string stream(name);
  jsOptions options;
  jsOptions_Init(&options);
  if (per_subject) options.Stream.Info.SubjectsFilter = ">";
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = kNoJsError;
  const natsStatus status = js_GetStreamInfo(&info, Js(nats), stream.c_str(), &options, &jerr);
  if (status == NATS_NOT_FOUND) return std::nullopt;
  CheckNats(status, "look up stream " + stream, jerr);
  return TakeStreamState(info);
}

StreamState CreateStream(NatsClient& nats, const StreamConfig& config) {
  return SendStreamConfig(nats, config, js_AddStream, "create stream ");
}

StreamState UpdateStream(NatsClient& nats, const StreamConfig& config) {
  return SendStreamConfig(nats, config, js_UpdateStream, "update stream ");
}

void PurgeStream(NatsClient& nats, std::string_view name) {
  const std::string stream(name);
  jsErrCode jerr = kNoJsError;
  CheckNats(js_PurgeStream(Js(nats), stream.c_str(), nullptr, &jerr), "purge " + stream, jerr);
}

std::vector<ConsumerState> ListConsumers(NatsClient& nats, std::string_view stream) {
  const std::string name(stream);
  jsConsumerInfoList* list = nullptr;
  jsErrCode jerr = kNoJsError;
  const natsStatus status = js_Consumers(&list, Js(nats), name.c_str(), nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return {};
  CheckNats(status, "list consumers of " + name, jerr);
  std::vector<ConsumerState> out;
  for (int i = 0; i < list->Count; ++i) out.push_back(ToConsumerState(*list->List[i]));
  jsConsumerInfoList_Destroy(list);
  return out;
}

std::optional<ConsumerState> GetConsumer(NatsClient& nats, std::string_view stream,
                                         std::string_view name) {
  jsConsumerInfo* info = LookUpConsumer(nats, std::string(stream), std::string(name));
  if (info == nullptr) return std::nullopt;
  return TakeConsumerState(info);
}

ConsumerState CreateConsumer(NatsClient& nats, std::string_view stream,
                             const ConsumerConfig& config) {
  const std::string name(stream);
  jsConsumerConfig cfg = ToNative(config);
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = kNoJsError;
  CheckNats(js_AddConsumer(&info, Js(nats), name.c_str(), &cfg, nullptr, &jerr),
            "create consumer " + (config.durable.empty() ? "on " + name : config.durable), jerr);
  return TakeConsumerState(info);
}

ConsumerState UpdateConsumer(NatsClient& nats, std::string_view stream,
                             const ConsumerConfig& config) {
  const std::string name(stream);
  jsConsumerInfo* old = LookUpConsumer(nats, name, config.durable);
  if (old == nullptr) throw Error("update consumer " + config.durable + ": it does not exist");
  jsConsumerConfig cfg = ToNative(config);
  cfg.DeliverPolicy = old->Config->DeliverPolicy;
  cfg.OptStartSeq = old->Config->OptStartSeq;
  cfg.OptStartTime = old->Config->OptStartTime;
  jsConsumerInfo_Destroy(old);
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = kNoJsError;
  CheckNats(js_UpdateConsumer(&info, Js(nats), name.c_str(), &cfg, nullptr, &jerr),
            "update consumer " + config.durable, jerr);
  return TakeConsumerState(info);
}

bool DeleteConsumer(NatsClient& nats, std::string_view stream, std::string_view name) {
  const std::string stream_name(stream);
  const std::string consumer(name);
  jsErrCode jerr = kNoJsError;
  const natsStatus status =
      js_DeleteConsumer(Js(nats), stream_name.c_str(), consumer.c_str(), nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return false;
  CheckNats(status, "delete consumer " + consumer, jerr);
  return true;
}

ConsumerState RecreateConsumer(NatsClient& nats, std::string_view stream, std::string_view name,
                               const StartPosition& start) {
  jsCtx* js = Js(nats);
  const std::string stream_name(stream);
  const std::string consumer(name);
  jsConsumerInfo* old_info = LookUpConsumer(nats, stream_name, consumer);
  if (old_info == nullptr) throw Error("consumer " + consumer + " does not exist");
  // old_info owns every string the configuration points to; keep it until the end. Copying the
  // native configuration keeps every setting, also those ConsumerConfig does not model.
  jsConsumerConfig cfg = *old_info->Config;
  const jsConsumerConfig original = cfg;
  ApplyStart(cfg, start);
  jsConsumerInfo* created = nullptr;
  try {
    jsErrCode jerr = kNoJsError;
    CheckNats(js_DeleteConsumer(js, stream_name.c_str(), consumer.c_str(), nullptr, &jerr),
              "delete consumer " + consumer, jerr);
    const natsStatus status =
        js_AddConsumer(&created, js, stream_name.c_str(), &cfg, nullptr, &jerr);
    if (status != NATS_OK) {
      jsConsumerConfig restore = original;
      jsErrCode ignored = kNoJsError;
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
  jsConsumerInfo_Destroy(old_info);
  return TakeConsumerState(created);
}

std::optional<StoredMessage> GetMessage(NatsClient& nats, std::string_view stream,
                                        std::uint64_t sequence) {
  const std::string name(stream);
  natsMsg* msg = nullptr;
  jsErrCode jerr = kNoJsError;
  const natsStatus status = js_GetMsg(&msg, Js(nats), name.c_str(), sequence, nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return std::nullopt;
  CheckNats(status, "get message " + std::to_string(sequence) + " of " + name, jerr);
  StoredMessage stored = ToStoredMessage(msg);
  stored.sequence = sequence;
  natsMsg_Destroy(msg);
  return stored;
}

bool DeleteMessage(NatsClient& nats, std::string_view stream, std::uint64_t sequence) {
  const std::string name(stream);
  jsErrCode jerr = kNoJsError;
  const natsStatus status = js_DeleteMsg(Js(nats), name.c_str(), sequence, nullptr, &jerr);
  if (status == NATS_NOT_FOUND || jerr == JSSequenceNotFoundErr) return false;
  CheckNats(status, "delete message " + std::to_string(sequence) + " of " + name, jerr);
  return true;
}

natsSubscription* BindPullConsumer(NatsClient& nats, std::string_view stream,
                                   std::string_view consumer, std::string_view subject) {
  const std::string stream_name(stream);
  const std::string consumer_name(consumer);
  const std::string subject_text(subject);
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream_name.c_str();
  options.Consumer = consumer_name.c_str();  // bind only: the subscription never owns it
  natsSubscription* sub = nullptr;
  jsErrCode jerr = kNoJsError;
  CheckNats(js_PullSubscribe(&sub, Js(nats), subject_text.c_str(), consumer_name.c_str(), nullptr,
                             &options, &jerr),
            "bind consumer " + consumer_name, jerr);
  return sub;
}

}  // namespace blog

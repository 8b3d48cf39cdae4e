// Conversions between jetstream.hpp's types and nats.c's (declared in nats_native.hpp).
#include <array>
#include <cstdlib>

#include "common/dead_letter.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

std::int64_t Nanos(std::chrono::nanoseconds d) { return d.count(); }
std::int64_t Nanos(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}
std::chrono::milliseconds Millis(std::int64_t ns) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(ns));
}
std::string Text(const char* s) { return s != nullptr ? s : ""; }

StartPosition StartOf(const jsConsumerConfig& cfg) {
  using Kind = StartPosition::Kind;
  switch (cfg.DeliverPolicy) {
    case js_DeliverByStartSequence:
      return {Kind::kSequence, cfg.OptStartSeq, 0};
    case js_DeliverByStartTime:
      return {Kind::kTime, 0, cfg.OptStartTime};
    case js_DeliverNew:
      return {Kind::kNew, 0, 0};
    case js_DeliverLast:
      return {Kind::kLast, 0, 0};
    case js_DeliverLastPerSubject:
      return {Kind::kLastPerSubject, 0, 0};
    case js_DeliverAll:
      break;
  }
  return {};
}

}  // namespace

std::string_view DeliverPolicyName(StartPosition::Kind kind) {
  // In the order of StartPosition::Kind.
  static constexpr std::array<std::string_view, 6> kNames = {
      "all", "by_start_sequence", "by_start_time", "new", "last", "last_per_subject"};
  return kNames.at(static_cast<std::size_t>(kind));
}

NativeStreamConfig::NativeStreamConfig(const StreamConfig& config) {
  for (const auto& s : config.subjects) subjects.push_back(s.c_str());
  jsStreamConfig_Init(&cfg);
  cfg.Name = config.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = config.file_storage ? js_FileStorage : js_MemoryStorage;
  cfg.Replicas = config.replicas;
  cfg.Duplicates = Nanos(config.duplicate_window);
  cfg.MaxAge = Nanos(config.max_age);
}

StreamState ToStreamState(const jsStreamInfo& info) {
  StreamState s;
  const jsStreamConfig& cfg = *info.Config;
  s.config.name = Text(cfg.Name);
  for (int i = 0; i < cfg.SubjectsLen; ++i) s.config.subjects.emplace_back(cfg.Subjects[i]);
  s.config.file_storage = cfg.Storage == js_FileStorage;
  s.config.replicas = cfg.Replicas;
  s.config.duplicate_window = std::chrono::nanoseconds(cfg.Duplicates);
  s.config.max_age = std::chrono::nanoseconds(cfg.MaxAge);
  s.messages = info.State.Msgs;
  s.bytes = info.State.Bytes;
  s.first_sequence = info.State.FirstSeq;
  s.last_sequence = info.State.LastSeq;
  s.first_time_ns = info.State.FirstTime;
  s.last_time_ns = info.State.LastTime;
  s.consumers = info.State.Consumers;
  if (info.State.Subjects != nullptr) {
    for (int i = 0; i < info.State.Subjects->Count; ++i) {
      const auto& entry = info.State.Subjects->List[i];
      s.per_subject[entry.Subject] = entry.Msgs;
    }
  }
  return s;
}

StreamState TakeStreamState(jsStreamInfo* info) {
  StreamState s = ToStreamState(*info);
  jsStreamInfo_Destroy(info);
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
    case StartPosition::Kind::kLast:
      cfg.DeliverPolicy = js_DeliverLast;
      break;
    case StartPosition::Kind::kLastPerSubject:
      cfg.DeliverPolicy = js_DeliverLastPerSubject;
      break;
  }
}

jsConsumerConfig ToNative(const ConsumerConfig& config) {
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  if (!config.durable.empty()) {
    cfg.Durable = config.durable.c_str();
    cfg.Name = config.durable.c_str();
  }
  cfg.FilterSubject = config.filter_subject.c_str();
  ApplyStart(cfg, config.start);
  cfg.AckPolicy = config.explicit_ack ? js_AckExplicit : js_AckNone;
  if (config.explicit_ack) {
    cfg.AckWait = Nanos(config.ack_wait);
    cfg.MaxDeliver = config.max_deliver;
    cfg.MaxAckPending = config.max_ack_pending;
  }
  cfg.InactiveThreshold = Nanos(config.inactive_threshold);
  return cfg;
}

ConsumerState ToConsumerState(const jsConsumerInfo& info) {
  ConsumerState s;
  s.name = Text(info.Name);
  const jsConsumerConfig& cfg = *info.Config;
  s.config.durable = Text(cfg.Durable);
  s.config.filter_subject = Text(cfg.FilterSubject);
  s.config.start = StartOf(cfg);
  s.config.explicit_ack = cfg.AckPolicy != js_AckNone;
  s.config.ack_wait = Millis(cfg.AckWait);
  s.config.max_deliver = cfg.MaxDeliver;
  s.config.max_ack_pending = cfg.MaxAckPending;
  s.config.inactive_threshold = Millis(cfg.InactiveThreshold);
  s.pending = info.NumPending;
  s.ack_pending = info.NumAckPending;
  s.redelivered = info.NumRedelivered;
  s.waiting = info.NumWaiting;
  s.delivered_sequence = info.Delivered.Stream;
  s.ack_floor = info.AckFloor.Stream;
  return s;
}

ConsumerState TakeConsumerState(jsConsumerInfo* info) {
  ConsumerState s = ToConsumerState(*info);
  jsConsumerInfo_Destroy(info);
  return s;
}

StoredMessage ToStoredMessage(natsMsg* msg, MessageParts parts) {
  StoredMessage stored;
  if (parts == MessageParts::kAll) stored.subject = natsMsg_GetSubject(msg);
  stored.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  if (jsMsgMetaData* meta = nullptr; natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    stored.sequence = meta->Sequence.Stream;
    stored.timestamp_ns = meta->Timestamp;
    jsMsgMetaData_Destroy(meta);
  } else {
    // A message from js_GetMsg carries its position directly.
    stored.sequence = natsMsg_GetSequence(msg);
    stored.timestamp_ns = natsMsg_GetTime(msg);
  }
  if (parts == MessageParts::kDataOnly) return stored;
  const char** keys = nullptr;
  int key_count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &key_count) == NATS_OK) {
    for (int k = 0; k < key_count; ++k) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[k], &value) == NATS_OK && value != nullptr) {
        stored.headers[keys[k]] = value;
      }
    }
    free(static_cast<void*>(keys));
  }
  if (const auto it = stored.headers.find(std::string(kTraceParentHeader));
      it != stored.headers.end()) {
    stored.traceparent = it->second;
  }
  return stored;
}

}  // namespace blog

#include "common/stream_reader.hpp"

#include <chrono>
#include <cstdlib>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"

#include "nats_native.hpp"

namespace blog {

StoredMessage ToStoredMessage(natsMsg* msg) {
  StoredMessage stored;
  stored.subject = natsMsg_GetSubject(msg);
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

StreamPosition GetStreamPosition(NatsClient& nats, std::string_view stream) {
  const std::string name(stream);
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  CheckNats(js_GetStreamInfo(&info, nats.native().js, name.c_str(), nullptr, &jerr),
            "look up stream " + name, jerr);
  const StreamPosition position{info->State.FirstSeq, info->State.LastSeq, info->State.Msgs};
  jsStreamInfo_Destroy(info);
  return position;
}

std::uint64_t ReadStream(NatsClient& nats, std::string_view stream, std::string_view filter,
                         std::uint64_t from_sequence, int batch_size,
                         const std::function<void(const std::vector<StoredMessage>&)>& on_batch) {
  const StreamPosition position = GetStreamPosition(nats, stream);
  if (position.messages == 0 || from_sequence > position.last_sequence) return 0;
  const std::string stream_name(stream);
  const std::string filter_text(filter);
  jsCtx* js = nats.native().js;

  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  cfg.AckPolicy = js_AckNone;
  cfg.DeliverPolicy = from_sequence <= 1 ? js_DeliverAll : js_DeliverByStartSequence;
  if (from_sequence > 1) cfg.OptStartSeq = from_sequence;
  cfg.FilterSubject = filter_text.c_str();
  cfg.InactiveThreshold = std::chrono::nanoseconds(std::chrono::seconds(30)).count();
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream_name.c_str();
  options.Config = cfg;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  CheckNats(js_PullSubscribe(&sub, js, filter_text.c_str(), nullptr, nullptr, &options, &jerr),
            "read stream " + stream_name, jerr);

  std::uint64_t read = 0;
  std::uint64_t last_seen = from_sequence == 0 ? 0 : from_sequence - 1;
  try {
    while (last_seen < position.last_sequence) {
      natsMsgList list{};
      const natsStatus status = natsSubscription_Fetch(&list, sub, batch_size, 1000, &jerr);
      if (status == NATS_TIMEOUT && list.Count == 0) {
        // Nothing more matches the filter up to the end of the stream.
        break;
      }
      CheckNats(status, "fetch from " + stream_name, jerr);
      std::vector<StoredMessage> batch;
      batch.reserve(static_cast<std::size_t>(list.Count));
      for (int i = 0; i < list.Count; ++i) {
        StoredMessage stored = ToStoredMessage(list.Msgs[i]);
        last_seen = stored.sequence;
        if (stored.sequence <= position.last_sequence) batch.push_back(std::move(stored));
      }
      natsMsgList_Destroy(&list);
      read += batch.size();
      if (!batch.empty()) on_batch(batch);
    }
  } catch (...) {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    throw;
  }
  natsSubscription_Unsubscribe(sub);  // removes the ephemeral consumer
  natsSubscription_Destroy(sub);
  return read;
}

}  // namespace blog

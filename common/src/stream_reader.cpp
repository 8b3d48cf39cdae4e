#include "common/stream_reader.hpp"

#include <string>

#include "common/errors.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

// How long the server keeps a reader's consumer once nobody fetches from it.
constexpr auto kReaderIdle = std::chrono::seconds(30);

}  // namespace

ConsumerConfig ReaderConsumerConfig(std::string_view filter, const StartPosition& start) {
  return ConsumerConfig{.durable = {},
                        .filter_subject = std::string(filter),
                        .start = start,
                        .explicit_ack = false,
                        .inactive_threshold = kReaderIdle};
}

struct StreamCursor::Impl {
  natsSubscription* subscription = nullptr;
  bool owns_consumer = false;  // an ephemeral one, removed with the subscription
  bool acknowledge = false;    // a bound consumer that requires acks

  ~Impl() {
    if (subscription == nullptr) return;
    if (owns_consumer) natsSubscription_Unsubscribe(subscription);
    natsSubscription_Destroy(subscription);
  }
};

StreamCursor::StreamCursor(NatsClient& nats, std::string_view stream, std::string_view filter,
                           const StartPosition& start)
    : impl_(std::make_unique<Impl>()) {
  const std::string stream_name(stream);
  const ConsumerConfig config = ReaderConsumerConfig(filter, start);
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream_name.c_str();
  options.Config = ToNative(config);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  CheckNats(js_PullSubscribe(&impl_->subscription, NatsAccess::Of(nats).js,
                             config.filter_subject.c_str(), nullptr, nullptr, &options, &jerr),
            "read stream " + stream_name, jerr);
  impl_->owns_consumer = true;
}

StreamCursor::StreamCursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StreamCursor StreamCursor::Bind(NatsClient& nats, std::string_view stream,
                                std::string_view consumer) {
  const auto state = GetConsumer(nats, stream, consumer);
  if (!state) {
    throw Error("consumer " + std::string(consumer) + " of " + std::string(stream) +
                " does not exist");
  }
  auto impl = std::make_unique<Impl>();
  impl->subscription = BindPullConsumer(nats, stream, consumer, state->config.filter_subject);
  impl->acknowledge = state->config.explicit_ack;
  return StreamCursor(std::move(impl));
}

StreamCursor::~StreamCursor() = default;
StreamCursor::StreamCursor(StreamCursor&&) noexcept = default;
StreamCursor& StreamCursor::operator=(StreamCursor&&) noexcept = default;

std::vector<StoredMessage> StreamCursor::Next(int max, std::chrono::milliseconds wait,
                                              MessageParts parts) {
  natsMsgList list{};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus status =
      natsSubscription_Fetch(&list, impl_->subscription, max, wait.count(), &jerr);
  if (status == NATS_TIMEOUT && list.Count == 0) return {};
  CheckNats(status, "fetch", jerr);
  std::vector<StoredMessage> out;
  out.reserve(static_cast<std::size_t>(list.Count));
  natsStatus acked = NATS_OK;
  for (int i = 0; i < list.Count; ++i) {
    out.push_back(ToStoredMessage(list.Msgs[i], parts));
    if (impl_->acknowledge && acked == NATS_OK)
      acked = natsMsg_AckSync(list.Msgs[i], nullptr, &jerr);
  }
  natsMsgList_Destroy(&list);
  CheckNats(acked, "acknowledge", jerr);
  return out;
}

std::uint64_t CountFrom(NatsClient& nats, std::string_view stream, std::string_view filter,
                        const StartPosition& start) {
  const ConsumerState probe = CreateConsumer(nats, stream, ReaderConsumerConfig(filter, start));
  try {
    DeleteConsumer(nats, stream, probe.name);
  } catch (const Error&) {
    // Left to the server, which removes it once idle.
  }
  return probe.pending;
}

StreamPosition GetStreamPosition(NatsClient& nats, std::string_view stream) {
  const auto state = GetStream(nats, stream);
  if (!state) throw Error("look up stream " + std::string(stream) + ": stream not found");
  return {state->first_sequence, state->last_sequence, state->messages};
}

std::uint64_t ReadStream(NatsClient& nats, std::string_view stream, std::string_view filter,
                         std::uint64_t from_sequence, int batch_size,
                         const std::function<void(const std::vector<StoredMessage>&)>& on_batch,
                         MessageParts parts) {
  const StreamPosition position = GetStreamPosition(nats, stream);
  if (position.messages == 0 || from_sequence > position.last_sequence) return 0;
  StreamCursor cursor(nats, stream, filter,
                      StartPosition{StartPosition::Kind::kSequence, from_sequence, 0});
  std::uint64_t read = 0;
  std::uint64_t last_seen = from_sequence == 0 ? 0 : from_sequence - 1;
  while (last_seen < position.last_sequence) {
    std::vector<StoredMessage> batch = cursor.Next(batch_size, std::chrono::seconds(1), parts);
    // Nothing more matches the filter up to the end of the stream.
    if (batch.empty()) break;
    last_seen = batch.back().sequence;
    std::erase_if(batch,
                  [&](const StoredMessage& m) { return m.sequence > position.last_sequence; });
    read += batch.size();
    if (!batch.empty()) on_batch(batch);
  }
  return read;
}

}  // namespace blog

// Internal to common/: the nats.c handles behind NatsClient, the one place natsStatus becomes an
// exception, and the conversions between jetstream.hpp's types and nats.c's. Nothing outside
// common/src includes this (nats.c is a private dependency of blog_common).
#pragma once

#include <string_view>
#include <vector>

#include <nats/nats.h>

#include "common/jetstream.hpp"
#include "common/nats_client.hpp"

namespace blog {

struct NatsClient::Native {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
};

struct NatsAccess {
  static NatsClient::Native& Of(NatsClient& nats) { return *nats.native_; }
};

// Throws UnavailableError for connectivity failures and a JetStream cluster that cannot answer
// now (no leader, a node missing), Error otherwise; no-op on NATS_OK.
void CheckNats(natsStatus status, std::string_view what,
               jsErrCode js_error = static_cast<jsErrCode>(0));

// True for statuses that mean "the server could not be reached / did not answer in time".
bool IsNatsUnavailable(natsStatus status);
// True for JetStream errors that go away by themselves (an election, a node coming back).
bool IsJetStreamUnavailable(jsErrCode code);

// A stream configuration in nats.c's form, with the subject array it points to; `cfg` points
// into `config`'s strings, so it must not outlive it.
struct NativeStreamConfig {
  explicit NativeStreamConfig(const StreamConfig& config);
  std::vector<const char*> subjects;
  jsStreamConfig cfg{};
};

// `config` as nats.c's; the result points into `config`'s strings, so it must not outlive it.
jsConsumerConfig ToNative(const ConsumerConfig& config);
// Sets the deliver policy and start options of `cfg` to `start`.
void ApplyStart(jsConsumerConfig& cfg, const StartPosition& start);

StreamState ToStreamState(const jsStreamInfo& info);
ConsumerState ToConsumerState(const jsConsumerInfo& info);
// As above, and destroy `info`.
StreamState TakeStreamState(jsStreamInfo* info);
ConsumerState TakeConsumerState(jsConsumerInfo* info);

// A pull subscription bound to the existing consumer `consumer` of `stream` (the subscription
// never owns it: unsubscribing leaves it in place). The caller destroys it.
natsSubscription* BindPullConsumer(NatsClient& nats, std::string_view stream,
                                   std::string_view consumer, std::string_view subject);

// A stored message as read from the stream: data, every header, stream sequence and store time
// (from the ack metadata of a consumed message, or directly from a js_GetMsg one).
StoredMessage ToStoredMessage(natsMsg* msg, MessageParts parts = MessageParts::kAll);

}  // namespace blog

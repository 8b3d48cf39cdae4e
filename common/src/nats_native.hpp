// Internal: the nats.c handles behind NatsClient, and the one place natsStatus becomes an
// exception. Only common/ and tools include this.
#pragma once

#include <string_view>

#include <nats/nats.h>

#include "common/nats_client.hpp"
#include "common/stream_reader.hpp"

namespace blog {

struct NatsClient::Native {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
};

// Throws UnavailableError for connectivity failures and a JetStream cluster that cannot answer
// now (no leader, a node missing), Error otherwise; no-op on NATS_OK.
void CheckNats(natsStatus status, std::string_view what,
               jsErrCode js_error = static_cast<jsErrCode>(0));

// True for statuses that mean "the server could not be reached / did not answer in time".
bool IsNatsUnavailable(natsStatus status);
// True for JetStream errors that go away by themselves (an election, a node coming back).
bool IsJetStreamUnavailable(jsErrCode code);

// A stored message as read from the stream: data, every header, stream sequence and store time
// (from the ack metadata of a consumed message, or directly from a js_GetMsg one).
StoredMessage ToStoredMessage(natsMsg* msg);

}  // namespace blog

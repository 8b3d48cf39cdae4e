// Internal: the nats.c handles behind NatsClient, and the one place natsStatus becomes an
// exception. Only common/ and tools include this.
#pragma once

#include <string_view>

#include <nats/nats.h>

#include "common/nats_client.hpp"

namespace blog {

struct NatsClient::Native {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
};

// Throws UnavailableError for connectivity failures, Error otherwise; no-op on NATS_OK.
void CheckNats(natsStatus status, std::string_view what,
               jsErrCode js_error = static_cast<jsErrCode>(0));

// True for statuses that mean "the server could not be reached / did not answer in time".
bool IsNatsUnavailable(natsStatus status);

}  // namespace blog

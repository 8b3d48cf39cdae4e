// Reads stored events straight from a stream, in order, without a durable consumer: for
// rebuilding a read model from the first event and for operator tools.
//
// Uses a short-lived ephemeral consumer (no acks, removed by the server when idle), so reading
// never disturbs the services' durable consumers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/nats_client.hpp"

namespace blog {

struct StoredMessage {
  std::uint64_t sequence = 0;
  std::string subject;
  std::string data;
  std::string traceparent;
  std::map<std::string, std::string> headers;  // every header, first value of each
  std::int64_t timestamp_ns = 0;               // when the stream stored it
};

struct StreamPosition {
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t messages = 0;
};

// The stream's current extent. Throws UnavailableError / Error.
StreamPosition GetStreamPosition(NatsClient& nats, std::string_view stream);

// Calls `on_batch` with consecutive batches of the messages of `stream` matching `filter`
// (e.g. "blog.>"), from `from_sequence` up to the stream's last sequence at the time of the call.
// Returns the number of messages read.
std::uint64_t ReadStream(NatsClient& nats, std::string_view stream, std::string_view filter,
                         std::uint64_t from_sequence, int batch_size,
                         const std::function<void(const std::vector<StoredMessage>&)>& on_batch);

}  // namespace blog

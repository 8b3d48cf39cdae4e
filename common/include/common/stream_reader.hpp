// Reads stored events straight from a stream, in order, without disturbing the services' durable
// consumers: for rebuilding a read model from the first event, for operator tools and tests.
//
// Reading uses an ephemeral consumer that acknowledges nothing and is removed when the reader is
// closed (or by the server after 30 s idle). Errors as in jetstream.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "common/jetstream.hpp"
#include "common/nats_client.hpp"

namespace blog {

// The ephemeral consumer every reader uses: unacknowledged, `filter`ed, from `start`.
ConsumerConfig ReaderConsumerConfig(std::string_view filter, const StartPosition& start);

// Reads a stream in order from a position. Not thread-safe; movable.
class StreamCursor {
 public:
  // Reads the messages of `stream` matching `filter` (e.g. "blog.>") from `start`, with an
  // ephemeral consumer of its own.
  StreamCursor(NatsClient& nats, std::string_view stream, std::string_view filter,
               const StartPosition& start);
  // Reads through the existing durable consumer `consumer` of `stream` as one more of its
  // replicas would. When the consumer requires acks, Next() acknowledges every message it
  // returns and waits for the server to confirm, so the consumer's ack floor moves (tests and
  // tools; services consume through Listener). Throws Error when there is no such consumer.
  static StreamCursor Bind(NatsClient& nats, std::string_view stream, std::string_view consumer);
  ~StreamCursor();
  StreamCursor(StreamCursor&&) noexcept;
  StreamCursor& operator=(StreamCursor&&) noexcept;
  StreamCursor(const StreamCursor&) = delete;
  StreamCursor& operator=(const StreamCursor&) = delete;

  // Up to `max` next messages, with `parts` of each; empty when none arrived within `wait`.
  std::vector<StoredMessage> Next(int max, std::chrono::milliseconds wait,
                                  MessageParts parts = MessageParts::kAll);

 private:
  struct Impl;
  explicit StreamCursor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// How many messages matching `filter` a consumer starting at `start` would deliver now.
std::uint64_t CountFrom(NatsClient& nats, std::string_view stream, std::string_view filter,
                        const StartPosition& start);

struct StreamPosition {
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::uint64_t messages = 0;
};

// The stream's current extent. Throws Error when there is no such stream.
StreamPosition GetStreamPosition(NatsClient& nats, std::string_view stream);

// Calls `on_batch` with consecutive batches of the messages of `stream` matching `filter`
// (e.g. "blog.>"), from `from_sequence` up to the stream's last sequence at the time of the call.
// Returns the number of messages read. `parts`: what each message holds.
std::uint64_t ReadStream(NatsClient& nats, std::string_view stream, std::string_view filter,
                         std::uint64_t from_sequence, int batch_size,
                         const std::function<void(const std::vector<StoredMessage>&)>& on_batch,
                         MessageParts parts = MessageParts::kAll);

}  // namespace blog

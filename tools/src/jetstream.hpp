// The JetStream operations blogctl needs beyond common/'s NatsClient: stream and consumer state,
// single-message get/delete, reading from a position with an ephemeral consumer, and recreating
// a durable consumer at another start sequence. Thin wrappers over nats.c; failures throw
// UnavailableError (server unreachable) or Error (with the server's description).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/nats_client.hpp"
#include "common/stream_reader.hpp"

namespace blog::ctl {

struct StreamState {
  std::string name;
  std::vector<std::string> subjects;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::int64_t first_time_ns = 0;
  std::int64_t last_time_ns = 0;
  std::int64_t consumers = 0;
  std::map<std::string, std::uint64_t> per_subject;  // filled when asked for
};

struct ConsumerState {
  std::string name;
  std::string filter_subject;
  bool durable = false;
  std::uint64_t pending = 0;             // matching messages not yet delivered
  std::int64_t ack_pending = 0;          // delivered, not yet acknowledged
  std::int64_t redelivered = 0;          // delivered more than once, not yet acknowledged
  std::int64_t waiting = 0;              // pull requests waiting (bound replicas fetching)
  std::uint64_t delivered_sequence = 0;  // stream sequence last delivered
  std::uint64_t ack_floor = 0;           // stream sequence up to which all is acknowledged
  std::int64_t max_deliver = 0;
  std::int64_t ack_wait_ms = 0;
  std::string deliver_policy;        // "all", "by_start_sequence", ...
  std::uint64_t start_sequence = 0;  // for by_start_sequence
};

// Where reading starts.
struct StartPosition {
  enum class Kind { kAll, kSequence, kTime, kNew } kind = Kind::kAll;
  std::uint64_t sequence = 0;
  std::int64_t time_ns = 0;
};

// nullopt when the stream does not exist. `per_subject` fills StreamState::per_subject.
std::optional<StreamState> GetStream(NatsClient& nats, std::string_view stream, bool per_subject);
std::vector<ConsumerState> ListConsumers(NatsClient& nats, std::string_view stream);
std::optional<ConsumerState> GetConsumer(NatsClient& nats, std::string_view stream,
                                         std::string_view name);

// Deletes the durable consumer `name` and creates it again with exactly its configuration except
// the start: deliver-all when `start_sequence` <= `first_sequence`, else from `start_sequence`.
// If the creation fails, puts the old configuration back (so the consumer is never left
// missing) and throws.
ConsumerState RecreateConsumerFrom(NatsClient& nats, std::string_view stream, std::string_view name,
                                   std::uint64_t start_sequence, std::uint64_t first_sequence);

// How many messages matching `filter` a consumer starting at `start` would deliver now.
std::uint64_t CountFrom(NatsClient& nats, std::string_view stream, std::string_view filter,
                        const StartPosition& start);

// One stored message by stream sequence; nullopt when there is none.
std::optional<StoredMessage> GetMessage(NatsClient& nats, std::string_view stream,
                                        std::uint64_t sequence);
// Removes one message; false when it was not there.
bool DeleteMessage(NatsClient& nats, std::string_view stream, std::uint64_t sequence);
void PurgeStream(NatsClient& nats, std::string_view stream);

// Publishes and returns the stream sequence the server stored it at (waits for the ack).
std::uint64_t PublishStored(NatsClient& nats, std::string_view subject, std::string_view body,
                            const NatsHeaders& headers);

// Reads a stream in order from a position with an ephemeral, unacknowledged consumer (removed
// when closed, or by the server when idle), so it never disturbs the services' consumers.
class StreamCursor {
 public:
  StreamCursor(NatsClient& nats, std::string_view stream, std::string_view filter,
               const StartPosition& start);
  ~StreamCursor();
  StreamCursor(const StreamCursor&) = delete;
  StreamCursor& operator=(const StreamCursor&) = delete;
  StreamCursor(StreamCursor&&) = delete;
  StreamCursor& operator=(StreamCursor&&) = delete;

  // Up to `max` next messages; empty when none arrived within `wait`.
  std::vector<StoredMessage> Next(int max, std::chrono::milliseconds wait);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace blog::ctl

// JetStream administration: streams, consumers and single stored messages, for the listeners,
// the stream reader, blogctl and the tests. nats.c stays behind this header.
//
// Every call is one request to the server through `nats` (its JetStream context waits up to
// 5 s for the answer). Errors: UnavailableError when the server cannot be reached or does not
// answer in time; Error with the server's description when it refuses; "there is no such
// stream / consumer / message" is std::nullopt or false where the contract says so. Thread-safe
// as NatsClient is.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/nats_client.hpp"

namespace blog {

// ---- streams

struct StreamConfig {
  std::string name;
  std::vector<std::string> subjects;
  bool file_storage = true;  // false: memory
  std::int64_t replicas = 1;
  std::chrono::nanoseconds duplicate_window{std::chrono::minutes(2)};  // Nats-Msg-Id dedupe
  std::chrono::nanoseconds max_age{0};                                 // 0: kept forever
  bool operator==(const StreamConfig&) const = default;
};

struct StreamState {
  StreamConfig config;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_sequence = 0;
  std::uint64_t last_sequence = 0;
  std::int64_t first_time_ns = 0;
  std::int64_t last_time_ns = 0;
  std::int64_t consumers = 0;
  std::map<std::string, std::uint64_t> per_subject;  // filled only when asked for
};

// nullopt when the server has no stream `name`. `per_subject` fills StreamState::per_subject.
std::optional<StreamState> GetStream(NatsClient& nats, std::string_view name,
                                     bool per_subject = false);
// Throws Error when a stream of that name exists or its subjects overlap another stream's.
StreamState CreateStream(NatsClient& nats, const StreamConfig& config);
// Changes an existing stream's settings (the storage kind cannot change: the server refuses).
StreamState UpdateStream(NatsClient& nats, const StreamConfig& config);
// Removes every message of the stream; the stream and its consumers stay.
void PurgeStream(NatsClient& nats, std::string_view name);

// ---- consumers

// Where a consumer starts delivering.
struct StartPosition {
  enum class Kind { kAll, kSequence, kTime, kNew, kLast, kLastPerSubject } kind = Kind::kAll;
  std::uint64_t sequence = 0;  // kSequence; 1 or less is the same as kAll
  std::int64_t time_ns = 0;    // kTime: the first message stored at or after it
  bool operator==(const StartPosition&) const = default;
};

// JetStream's name of the start, as its API and the `nats` CLI spell it ("all",
// "by_start_sequence", ...).
std::string_view DeliverPolicyName(StartPosition::Kind kind);

// A pull consumer.
struct ConsumerConfig {
  std::string durable;  // empty: ephemeral (named by the server, removed when idle)
  std::string filter_subject;
  StartPosition start;
  bool explicit_ack = true;  // false: nothing is acknowledged (a reader)
  std::chrono::milliseconds ack_wait{std::chrono::seconds(30)};
  std::int64_t max_deliver = -1;                    // -1: unlimited
  std::int64_t max_ack_pending = 0;                 // 0: the server's default
  std::chrono::milliseconds inactive_threshold{0};  // ephemeral: removed after this long idle
};

struct ConsumerState {
  std::string name;
  ConsumerConfig config;
  std::uint64_t pending = 0;             // matching messages not yet delivered
  std::int64_t ack_pending = 0;          // delivered, not yet acknowledged
  std::int64_t redelivered = 0;          // delivered more than once, not yet acknowledged
  std::int64_t waiting = 0;              // pull requests waiting (bound replicas fetching)
  std::uint64_t delivered_sequence = 0;  // stream sequence last delivered
  std::uint64_t ack_floor = 0;           // stream sequence up to which all is acknowledged
  bool durable() const { return !config.durable.empty(); }
};

// Every consumer of `stream`; empty when there are none or there is no such stream.
std::vector<ConsumerState> ListConsumers(NatsClient& nats, std::string_view stream);
// nullopt when `stream` has no consumer `name`.
std::optional<ConsumerState> GetConsumer(NatsClient& nats, std::string_view stream,
                                         std::string_view name);
// Creates a consumer (a durable one must not exist yet with other settings).
ConsumerState CreateConsumer(NatsClient& nats, std::string_view stream,
                             const ConsumerConfig& config);
// Changes the settings of the existing durable consumer `config.durable`. Its start cannot be
// changed in place and is kept as it is (config.start is not used): see RecreateConsumer.
ConsumerState UpdateConsumer(NatsClient& nats, std::string_view stream,
                             const ConsumerConfig& config);
// False when there was no such consumer.
bool DeleteConsumer(NatsClient& nats, std::string_view stream, std::string_view name);
// Deletes the durable consumer `name` and creates it again with exactly its configuration except
// the start, so that it delivers again from `start`. If the creation fails, puts the old
// configuration back (the consumer is never left missing) and throws.
ConsumerState RecreateConsumer(NatsClient& nats, std::string_view stream, std::string_view name,
                               const StartPosition& start);

// ---- stored messages

struct StoredMessage {
  std::uint64_t sequence = 0;
  std::string subject;
  std::string data;
  std::string traceparent;
  std::map<std::string, std::string> headers;  // every header, first value of each
  std::int64_t timestamp_ns = 0;               // when the stream stored it
};

// What a reader copies of each message: everything, or (kDataOnly) its sequence, timestamp and
// data without subject and headers, for a reader of a million events that needs no more.
enum class MessageParts { kAll, kDataOnly };

// The message stored at `sequence`; nullopt when there is none (never stored, or removed).
std::optional<StoredMessage> GetMessage(NatsClient& nats, std::string_view stream,
                                        std::uint64_t sequence);
// Removes one message; false when it was not there.
bool DeleteMessage(NatsClient& nats, std::string_view stream, std::uint64_t sequence);

}  // namespace blog

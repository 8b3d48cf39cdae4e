// Internal: the state of durable consumers as the NATS server sees it, turned into gauges.
// Every call is a few JetStream API requests; MetricsRefresher makes them off the request path.
#pragma once

#include <string>

#include "common/nats_client.hpp"

namespace blog {

struct WatchedConsumer {
  std::string name;     // "moderation-CommentCreated"
  std::string subject;  // the consumer's filter subject, "blog.comment.created"
  // Its service keeps a read model: also report how far it is behind the stream.
  bool read_model = false;

  bool operator==(const WatchedConsumer&) const = default;
};

// Sets, for `consumer`: blog_consumer_pending, blog_consumer_ack_pending and
// blog_consumer_redelivered (one consumer info request), blog_dead_letters (one stream info
// request on BLOG_DLQ filtered to dlq.<consumer>) and, for a read model,
// blog_read_model_lag_sequences and blog_read_model_lag_seconds (two message look-ups, only
// while it is behind). A consumer the server does not have yet (its service never started) sets
// nothing and returns false. Throws UnavailableError or Error when a request fails.
bool RefreshConsumerGauges(NatsClient& nats, const WatchedConsumer& consumer);

// Nanoseconds since the epoch of an RFC 3339 UTC time as JetStream writes it
// ("2026-11-28T12:00:00.123456789Z"); nullopt-like 0 when `text` is not one.
std::int64_t ParseJetStreamTime(const std::string& text);

}  // namespace blog

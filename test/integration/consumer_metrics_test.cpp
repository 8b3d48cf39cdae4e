// The consumer gauges read from a real nats-server: backlog, dead letters and read model lag.
#include "consumer_metrics.hpp"  // common/src

#include <thread>

#include <catch2/catch.hpp>

#include "common/dead_letter.hpp"
#include "common/jetstream.hpp"
#include "common/metrics.hpp"
#include "common/stream_reader.hpp"

#include "harness.hpp"

using blog::Metrics;
using blog::WatchedConsumer;

namespace {

constexpr const char* kConsumer = "metrics-PostCreated";

// A durable consumer that no listener drains.
void CreateConsumer(blog::NatsClient& nats) {
  blog::ConsumerConfig config;
  config.durable = kConsumer;
  config.filter_subject = "blog.post.created";
  blog::CreateConsumer(nats, "BLOG", config);
}

// Fetches `count` messages of the consumer and acknowledges them.
void Apply(blog::NatsClient& nats, int count) {
  auto cursor = blog::StreamCursor::Bind(nats, "BLOG", kConsumer);
  REQUIRE(cursor.Next(count, std::chrono::seconds(5)).size() == static_cast<std::size_t>(count));
}

double Gauge(const char* name) { return Metrics::Global().Value(name, {{"consumer", kConsumer}}); }

}  // namespace

TEST_CASE("consumer gauges show the server's backlog, dead letters and the read model's lag",
          "[integration][metrics]") {
  blog::test::Servers s("consumer-metrics-test", "metrics", {});
  auto& nats = s.nats;
  const WatchedConsumer watched{kConsumer, "blog.post.created", true};
  // A consumer the server does not have yet reports nothing.
  CHECK_FALSE(blog::RefreshConsumerGauges(nats, watched));

  CreateConsumer(nats);
  // Posts at stream sequences 1, 2 and 4; a comment in between at 3.
  nats.Publish("blog.post.created", "{}", {});
  nats.Publish("blog.post.created", "{}", {});
  nats.Publish("blog.comment.created", "{}", {});
  nats.Publish("blog.post.created", "{}", {});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(blog::RefreshConsumerGauges(nats, watched));
  CHECK(Gauge("blog_consumer_pending") == 3);
  CHECK(Gauge("blog_consumer_ack_pending") == 0);
  CHECK(Gauge("blog_consumer_redelivered") == 0);
  CHECK(Gauge("blog_dead_letters") == 0);
  CHECK(Gauge("blog_read_model_lag_sequences") == 4);  // last post at 4, nothing applied
  CHECK(Gauge("blog_read_model_lag_seconds") >= 1.0);  // the oldest unapplied is 1.1 s old

  blog::PublishDeadLetter(nats, {kConsumer, "blog.post.created", 9, "test", "", "{}"});
  Apply(nats, 2);
  REQUIRE(blog::RefreshConsumerGauges(nats, watched));
  CHECK(Gauge("blog_consumer_pending") == 1);
  CHECK(Gauge("blog_dead_letters") == 1);
  CHECK(Gauge("blog_read_model_lag_sequences") == 2);  // applied up to 2, last post at 4
  CHECK(Gauge("blog_read_model_lag_seconds") > 0);

  Apply(nats, 1);
  REQUIRE(blog::RefreshConsumerGauges(nats, watched));
  CHECK(Gauge("blog_consumer_pending") == 0);
  CHECK(Gauge("blog_read_model_lag_sequences") == 0);
  CHECK(Gauge("blog_read_model_lag_seconds") == 0);
}

TEST_CASE("JetStream's message times parse to nanoseconds since the epoch", "[metrics]") {
  CHECK(blog::ParseJetStreamTime("1970-01-01T00:00:01Z") == 1'000'000'000);
  CHECK(blog::ParseJetStreamTime("2026-11-28T12:00:00.123456789Z") == 1'795'867'200'123'456'789);
  CHECK(blog::ParseJetStreamTime("2026-11-28T12:00:00.5Z") == 1'795'867'200'500'000'000);
  CHECK(blog::ParseJetStreamTime("2026-11-28 12:00:00") == 0);
  CHECK(blog::ParseJetStreamTime("2026-11-28T12:00:00+01:00") == 0);
}

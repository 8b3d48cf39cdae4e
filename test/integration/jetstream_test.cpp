// The JetStream administration API (jetstream.hpp, stream_reader.hpp) against a real nats-server.
#include "common/jetstream.hpp"

#include <catch2/catch.hpp>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/listener.hpp"
#include "common/stream_reader.hpp"

#include "harness.hpp"

using namespace blog;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  test::NatsServer server;
  NatsClient nats{NatsSettings{.urls = {server.url()},
                               .user = {},
                               .password = {},
                               .stream_replicas = 1,
                               .file_storage = false,
                               .duplicate_window = 2min,
                               .client_name = "jetstream-test"}};

  Fixture() {
    REQUIRE(nats.WaitConnected(5s));
    nats.EnsureStreams();
  }

  std::uint64_t Store(std::string_view subject, const std::string& body) {
    return nats.Publish(subject, body, {{std::string(kMsgIdHeader), body}});
  }
};

const ListenerSettings kSettings{
    .ack_wait = 30s, .max_deliver = 5, .retry_base = 1s, .retry_max = 30s, .batch = 64};

}  // namespace

TEST_CASE("a stream is created, looked up with its settings, updated and purged",
          "[integration][jetstream]") {
  Fixture f;
  CHECK_FALSE(GetStream(f.nats, "EXTRA"));
  StreamConfig config{.name = "EXTRA",
                      .subjects = {"extra.>"},
                      .file_storage = false,
                      .replicas = 1,
                      .duplicate_window = 1min,
                      .max_age = 1h};
  CHECK(CreateStream(f.nats, config).config == config);
  CHECK_THROWS_AS(CreateStream(f.nats, StreamConfig{.name = "OTHER", .subjects = {"extra.x"}}),
                  Error);  // overlapping subjects

  CHECK(f.Store("extra.a", "one") == 1);
  CHECK(f.Store("extra.b", "two") == 2);
  CHECK(f.Store("extra.b", "two") == 2);  // a duplicate Nats-Msg-Id is stored once
  const auto stored = GetStream(f.nats, "EXTRA", true);
  REQUIRE(stored);
  CHECK(stored->config == config);
  CHECK(stored->messages == 2);
  CHECK(stored->first_sequence == 1);
  CHECK(stored->last_sequence == 2);
  CHECK(stored->per_subject ==
        std::map<std::string, std::uint64_t>{{"extra.a", 1}, {"extra.b", 1}});

  config.duplicate_window = 30s;
  CHECK(UpdateStream(f.nats, config).config.duplicate_window == 30s);
  CHECK(GetStream(f.nats, "EXTRA")->config == config);

  PurgeStream(f.nats, "EXTRA");
  const auto purged = GetStream(f.nats, "EXTRA");
  CHECK(purged->messages == 0);
  CHECK(purged->last_sequence == 2);
}

TEST_CASE("a stored message is read and deleted by its sequence, with its headers",
          "[integration][jetstream]") {
  Fixture f;
  const auto sequence = f.nats.Publish("blog.post.created", "body",
                                       {{std::string(kMsgIdHeader), "m1"},
                                        {std::string(kTraceParentHeader), "00-trace"},
                                        {"Blog-Other", "x"}});
  const auto message = GetMessage(f.nats, kEventStream, sequence);
  REQUIRE(message);
  CHECK(message->sequence == sequence);
  CHECK(message->subject == "blog.post.created");
  CHECK(message->data == "body");
  CHECK(message->traceparent == "00-trace");
  CHECK(message->headers.at("Blog-Other") == "x");
  CHECK(message->timestamp_ns > 0);
  CHECK(DeleteMessage(f.nats, kEventStream, sequence));
  CHECK_FALSE(DeleteMessage(f.nats, kEventStream, sequence));
  CHECK_FALSE(GetMessage(f.nats, kEventStream, sequence));
  CHECK_FALSE(GetMessage(f.nats, kEventStream, 99));
}

TEST_CASE(
    "a durable consumer reports its backlog, keeps its start on update and replays "
    "from a new start when recreated",
    "[integration][jetstream]") {
  Fixture f;
  for (int i = 1; i <= 4; ++i) f.Store("blog.post.created", "post " + std::to_string(i));
  f.Store("blog.comment.created", "comment");
  const auto config =
      ListenerConsumerConfig("query-PostCreated", std::string(PostCreated::kSubject), kSettings);
  const auto created = CreateConsumer(f.nats, kEventStream, config);
  CHECK(created.name == "query-PostCreated");
  CHECK(created.durable());
  CHECK(created.config.explicit_ack);
  CHECK(created.config.max_ack_pending == 1000);
  CHECK(created.pending == 4);

  auto cursor = StreamCursor::Bind(f.nats, kEventStream, "query-PostCreated");
  const auto read = cursor.Next(2, 5s);
  REQUIRE(read.size() == 2);
  CHECK(read[1].data == "post 2");
  auto state = GetConsumer(f.nats, kEventStream, "query-PostCreated");
  REQUIRE(state);
  CHECK(state->pending == 2);
  CHECK(state->ack_pending == 0);  // Next() acknowledged them
  CHECK(state->ack_floor == 2);
  CHECK(state->delivered_sequence == 2);

  auto changed = config;
  changed.ack_wait = 10s;
  changed.start = {StartPosition::Kind::kSequence, 3, 0};  // ignored: the start stays
  const auto updated = UpdateConsumer(f.nats, kEventStream, changed);
  CHECK(updated.config.ack_wait == 10s);
  CHECK(updated.config.start.kind == StartPosition::Kind::kAll);
  CHECK(updated.ack_floor == 2);

  const auto replayed = RecreateConsumer(f.nats, kEventStream, "query-PostCreated",
                                         {StartPosition::Kind::kSequence, 2, 0});
  CHECK(DeliverPolicyName(replayed.config.start.kind) == "by_start_sequence");
  CHECK(replayed.config.start.sequence == 2);
  CHECK(replayed.config.ack_wait == 10s);  // every other setting kept
  CHECK(replayed.pending == 3);
  CHECK(ListConsumers(f.nats, kEventStream).size() == 1);

  CHECK(DeleteConsumer(f.nats, kEventStream, "query-PostCreated"));
  CHECK_FALSE(DeleteConsumer(f.nats, kEventStream, "query-PostCreated"));
  CHECK_FALSE(GetConsumer(f.nats, kEventStream, "query-PostCreated"));
  CHECK_THROWS_AS(StreamCursor::Bind(f.nats, kEventStream, "query-PostCreated"), Error);
}

TEST_CASE("a reader reads from a position without acknowledging and leaves no consumer behind",
          "[integration][jetstream]") {
  Fixture f;
  for (int i = 1; i <= 5; ++i) f.Store("blog.post.created", "post " + std::to_string(i));
  const StartPosition from_three{StartPosition::Kind::kSequence, 3, 0};
  CHECK(CountFrom(f.nats, kEventStream, "blog.>", from_three) == 3);
  CHECK(CountFrom(f.nats, kEventStream, "blog.comment.>", {}) == 0);
  CHECK(ListConsumers(f.nats, kEventStream).empty());  // the count's consumer is gone
  {
    StreamCursor cursor(f.nats, kEventStream, "blog.>", from_three);
    const auto batch = cursor.Next(10, 2s);
    REQUIRE(batch.size() == 3);
    CHECK(batch[0].sequence == 3);
    CHECK(batch[2].data == "post 5");
    CHECK(cursor.Next(10, 200ms).empty());
    const auto consumers = ListConsumers(f.nats, kEventStream);
    REQUIRE(consumers.size() == 1);
    CHECK_FALSE(consumers[0].durable());
    CHECK_FALSE(consumers[0].config.explicit_ack);
  }
  CHECK(test::Eventually([&] { return ListConsumers(f.nats, kEventStream).empty(); }));
  std::vector<std::string> bodies;
  CHECK(ReadStream(f.nats, kEventStream, "blog.>", 4, 1, [&](const auto& batch) {
          for (const auto& m : batch) bodies.push_back(m.data);
        }) == 2);
  CHECK(bodies == std::vector<std::string>{"post 4", "post 5"});
  // Data only: the same messages and positions, without subject and headers.
  std::vector<StoredMessage> lean;
  CHECK(ReadStream(
            f.nats, kEventStream, "blog.>", 4, 10,
            [&](const auto& batch) { lean.insert(lean.end(), batch.begin(), batch.end()); },
            MessageParts::kDataOnly) == 2);
  REQUIRE(lean.size() == 2);
  CHECK(lean[0].data == "post 4");
  CHECK(lean[1].sequence == 5);
  CHECK(lean[1].timestamp_ns > 0);
  CHECK(lean[1].subject.empty());
  CHECK(lean[1].headers.empty());
  StreamCursor full(f.nats, kEventStream, "blog.>", from_three);
  const auto all = full.Next(1, 2s);
  REQUIRE(all.size() == 1);
  CHECK(all[0].subject == "blog.post.created");
  CHECK(all[0].headers.at(std::string(kMsgIdHeader)) == "post 3");
}

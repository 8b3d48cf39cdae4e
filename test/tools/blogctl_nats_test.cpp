// blogctl against a real nats-server: tail, stats, dead letters and replay (no services needed).
#include <thread>

#include <catch2/catch.hpp>

#include "common/codec.hpp"
#include "common/dead_letter.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/jetstream.hpp"
#include "common/listener.hpp"
#include "common/stream_reader.hpp"

#include "blogctl_run.hpp"
#include "harness.hpp"

using blog::test::Ctl;
using blog::test::ParseDoc;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

// A nats-server with both streams, blogctl pointed at it, and helpers to store events.
struct Fixture {
  blog::test::NatsServer server;
  std::unique_ptr<blog::NatsClient> nats;

  Fixture() {
    blog::test::PointBlogctlAt(server.url());
    blog::NatsSettings settings{.urls = {server.url()},
                                .user = "",
                                .password = "",
                                .stream_replicas = 1,
                                .file_storage = false,
                                .duplicate_window = std::chrono::minutes(2),
                                .client_name = "blogctl-test"};
    nats = std::make_unique<blog::NatsClient>(settings);
    REQUIRE(nats->WaitConnected(5s));
    nats->EnsureStreams();
  }

  // Stores `event` as a service would; returns its event id.
  std::string Store(const blog::AnyEvent& event, const std::string& source = "/test") {
    const std::string id = blog::NewUuid();
    const auto body =
        blog::EncodeEvent(event, {.id = id, .source = source, .time = blog::NowRfc3339()});
    nats->Publish(
        blog::SubjectOf(event), body,
        {{std::string(blog::kMsgIdHeader), id}, {std::string(blog::kTraceParentHeader), kTrace}});
    return id;
  }

  void StoreRaw(const std::string& subject, const std::string& body) {
    nats->Publish(subject, body, {{std::string(blog::kMsgIdHeader), blog::NewUuid()}});
  }

  // A durable consumer configured as the services' listeners configure theirs.
  void CreateDurable(const std::string& name, const std::string& subject) {
    const blog::ListenerSettings settings{
        .ack_wait = 30s, .max_deliver = 5, .retry_base = 1s, .retry_max = 30s, .batch = 64};
    blog::CreateConsumer(*nats, blog::kEventStream,
                         blog::ListenerConsumerConfig(name, subject, settings));
  }

  // Fetches and acknowledges the next `n` messages of a durable consumer, as a service would.
  void Acknowledge(const std::string& name, int n) {
    auto cursor = blog::StreamCursor::Bind(*nats, blog::kEventStream, name);
    REQUIRE(cursor.Next(n, 5s).size() == static_cast<std::size_t>(n));
  }
};

blog::PostCreated Post(const std::string& title) { return {.id = blog::NewUuid(), .title = title}; }

blog::CommentCreated Comment(const std::string& post_id, const std::string& content) {
  return {.id = blog::NewUuid(), .post_id = post_id, .content = content};
}

}  // namespace

TEST_CASE("events tail prints stored events readably, oldest first, and filters them",
          "[integration][blogctl]") {
  Fixture f;
  const auto post = Post("Hello");
  f.Store(post, "/posts");
  f.Store(Post("Second"), "/posts");
  f.Store(Comment(post.id, "I like apples"), "/comments");
  f.Store(Post("Third"), "/posts");
  f.Store(Comment(post.id, "and oranges"), "/comments");

  const auto all = Ctl({"events", "tail"});
  REQUIRE(all.code == 0);
  const auto lines = all.Lines();
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].rfind("#1  20", 0) == 0);
  CHECK(lines[0].find("  PostCreated  id=" + post.id +
                      " title=Hello version=0  (/posts, trace "
                      "0af7651916cd43dd8448eb211c80319c)") != std::string::npos);
  CHECK(lines[2].find("CommentCreated  id=") != std::string::npos);
  CHECK(lines[2].find("content=\"I like apples\" version=0  (/comments") != std::string::npos);
  CHECK(lines[4].rfind("#5 ", 0) == 0);

  const auto comments = Ctl({"events", "tail", "--type", "CommentCreated"}).Lines();
  REQUIRE(comments.size() == 2);
  CHECK(comments[0].rfind("#3 ", 0) == 0);
  CHECK(comments[1].rfind("#5 ", 0) == 0);

  const auto last_posts = Ctl({"events", "tail", "--type", "PostCreated", "--last", "2"}).Lines();
  REQUIRE(last_posts.size() == 2);
  CHECK(last_posts[0].find("title=Second") != std::string::npos);
  CHECK(last_posts[1].find("title=Third") != std::string::npos);

  const auto window = Ctl({"events", "tail", "--from", "2", "--limit", "2"}).Lines();
  REQUIRE(window.size() == 2);
  CHECK(window[0].rfind("#2 ", 0) == 0);
  CHECK(window[1].rfind("#3 ", 0) == 0);

  CHECK(Ctl({"events", "tail", "--from", "1h"}).Lines().size() == 5);
  CHECK(Ctl({"events", "tail", "--from", "2099-01-01T00:00:00Z"}).Lines().empty());
  CHECK(Ctl({"events", "tail", "--from", "99"}).Lines().empty());
}

TEST_CASE("events tail --json prints one parseable object per event with its headers",
          "[integration][blogctl]") {
  Fixture f;
  const auto id = f.Store(Post("Json"), "/posts");
  const auto r = Ctl({"events", "tail", "--json"});
  REQUIRE(r.code == 0);
  const auto lines = r.Lines();
  REQUIRE(lines.size() == 1);
  const auto doc = ParseDoc(lines[0]);
  REQUIRE(doc.IsObject());
  CHECK(doc["sequence"].GetUint64() == 1);
  CHECK(std::string(doc["subject"].GetString()) == "blog.post.created");
  CHECK(std::string(doc["headers"]["Nats-Msg-Id"].GetString()) == id);
  CHECK(std::string(doc["headers"]["traceparent"].GetString()) == kTrace);
  CHECK(std::string(doc["event"]["id"].GetString()) == id);
  CHECK(std::string(doc["event"]["data"]["title"].GetString()) == "Json");
  CHECK_FALSE(doc.HasMember("error"));
}

TEST_CASE("events tail shows an undecodable event with its error instead of hiding it",
          "[integration][blogctl]") {
  Fixture f;
  f.StoreRaw("blog.post.created", "not json at all");
  const auto lines = Ctl({"events", "tail"}).Lines();
  REQUIRE(lines.size() == 1);
  INFO(lines[0]);
  CHECK(lines[0].find("blog.post.created  UNDECODABLE (invalid JSON at offset ") !=
        std::string::npos);
  const auto doc = ParseDoc(Ctl({"events", "tail", "--json"}).Lines().at(0));
  CHECK(doc["event"].IsNull());
  CHECK(std::string(doc["body"].GetString()) == "not json at all");
  CHECK(std::string(doc["error"].GetString()).find("invalid JSON") == 0);
}

TEST_CASE("events tail --follow prints events stored after it started", "[integration][blogctl]") {
  Fixture f;
  f.Store(Post("Before"), "/posts");
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  blog::test::CtlResult result;
  std::thread tail([&] {
    result = Ctl({"events", "tail", "--follow", "--last", "0", "--limit", "1"},
                 [&] { return std::chrono::steady_clock::now() > deadline; });
  });
  std::this_thread::sleep_for(700ms);
  f.Store(Post("After"), "/posts");
  tail.join();
  CHECK(result.code == 0);
  const auto lines = result.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("title=After") != std::string::npos);
}

TEST_CASE("events stats counts events per type and dead letters per consumer",
          "[integration][blogctl]") {
  Fixture f;
  const auto post = Post("Counted");
  f.Store(post);
  f.Store(Comment(post.id, "one"));
  f.Store(Comment(post.id, "two"));
  blog::PublishDeadLetter(*f.nats, {.consumer = "query-CommentCreated",
                                    .original_subject = "blog.comment.created",
                                    .original_sequence = 2,
                                    .error = "boom",
                                    .traceparent = kTrace,
                                    .body = "{}"});
  const auto text = Ctl({"events", "stats"});
  REQUIRE(text.code == 0);
  CHECK(text.out.find("stream BLOG (blog.>): 3 events") != std::string::npos);
  CHECK(text.out.find("CommentCreated    blog.comment.created    2") != std::string::npos);
  CHECK(text.out.find("CommentUpdated    blog.comment.updated    0") != std::string::npos);
  CHECK(text.out.find("query-CommentCreated  1") != std::string::npos);

  const auto doc = ParseDoc(Ctl({"events", "stats", "--json"}).out);
  REQUIRE(doc.IsObject());
  CHECK(doc["stream"]["events"].GetUint64() == 3);
  CHECK(doc["types"][0]["events"].GetUint64() == 1);
  CHECK(doc["types"][1]["events"].GetUint64() == 2);
  CHECK(doc["dead_letters"]["total"].GetUint64() == 1);
  CHECK(doc["dead_letters"]["by_consumer"]["query-CommentCreated"].GetUint64() == 1);
}

TEST_CASE(
    "a dead letter is listed with its reason and requeued with a new message id and the "
    "same event",
    "[integration][blogctl]") {
  Fixture f;
  const auto post = Post("Dead");
  f.Store(post);
  const auto comment = Comment(post.id, "poison");
  const auto event_id = f.Store(comment);
  const auto original = blog::GetMessage(*f.nats, "BLOG", 2);
  REQUIRE(original);
  blog::PublishDeadLetter(*f.nats,
                          {.consumer = "query-CommentCreated",
                           .original_subject = "blog.comment.created",
                           .original_sequence = 2,
                           .error = "handler failed 5 times: relation \"comments\" does not exist",
                           .traceparent = kTrace,
                           .body = original->data});

  const auto list = Ctl({"dlq", "list"});
  REQUIRE(list.code == 0);
  const auto lines = list.Lines();
  REQUIRE(lines.size() == 2);  // header and one letter
  CHECK(lines[1].rfind("1  ", 0) == 0);
  CHECK(lines[1].find("query-CommentCreated  blog.comment.created#2  CommentCreated  " + event_id +
                      "  handler failed 5 times: relation \"comments\" does not exist") !=
        std::string::npos);
  const auto json = ParseDoc(Ctl({"dlq", "list", "--json"}).out);
  REQUIRE(json["dead_letters"].Size() == 1);
  CHECK(std::string(json["dead_letters"][0]["reason"].GetString()).find("handler failed") == 0);
  CHECK(json["dead_letters"][0]["original_sequence"].GetUint64() == 2);
  CHECK(Ctl({"dlq", "list", "--consumer", "comments-PostCreated"}).out == "no dead letters\n");

  const auto show = Ctl({"dlq", "show", "1"});
  REQUIRE(show.code == 0);
  CHECK(show.out.find("Blog-Original-Sequence:  2") != std::string::npos);
  CHECK(show.out.find("event CommentCreated " + event_id) != std::string::npos);
  CHECK(show.out.find("\"content\": \"poison\"") != std::string::npos);
  CHECK(Ctl({"dlq", "show", "9"}).code == 1);

  const auto requeue = Ctl({"dlq", "requeue", "1"});
  INFO(requeue.err);
  REQUIRE(requeue.code == 0);
  CHECK(requeue.out.find("requeued dead letter #1 (CommentCreated " + event_id +
                         ", from query-CommentCreated) to blog.comment.created as stream "
                         "sequence 3") != std::string::npos);
  const auto again = blog::GetMessage(*f.nats, "BLOG", 3);
  REQUIRE(again);
  CHECK(again->subject == "blog.comment.created");
  CHECK(again->data == original->data);  // same bytes, so the same event id for the inboxes
  CHECK(again->headers.at("Nats-Msg-Id") != event_id);
  CHECK(blog::IsUuid(again->headers.at("Nats-Msg-Id")));
  CHECK(again->headers.at("traceparent") == kTrace);
  CHECK(again->headers.at("Blog-Requeued-From") == "BLOG_DLQ:1");
  CHECK(Ctl({"dlq", "list"}).out == "no dead letters\n");
}

TEST_CASE("an undecodable dead letter is not requeued, and purge removes dead letters",
          "[integration][blogctl]") {
  Fixture f;
  for (int i = 1; i <= 3; ++i) {
    blog::PublishDeadLetter(*f.nats,
                            {.consumer = i == 3 ? "comments-PostCreated" : "query-PostCreated",
                             .original_subject = "blog.post.created",
                             .original_sequence = static_cast<std::uint64_t>(i),
                             .error = "undecodable event: invalid JSON",
                             .traceparent = "",
                             .body = "garbage " + std::to_string(i)});
  }
  const auto requeue = Ctl({"dlq", "requeue", "all", "--json"});
  CHECK(requeue.code == 1);
  CHECK(requeue.err.find("dead letter #1 not requeued: the event is undecodable") !=
        std::string::npos);
  const auto doc = ParseDoc(requeue.out);
  CHECK(doc["requeued"].Empty());
  CHECK(doc["refused"].Size() == 3);
  CHECK(blog::GetStream(*f.nats, "BLOG", false)->messages == 0);

  CHECK(Ctl({"dlq", "purge", "2"}).out == "removed 1 dead letter(s) from BLOG_DLQ\n");
  CHECK(Ctl({"dlq", "purge", "2"}).code == 1);  // gone
  CHECK(Ctl({"dlq", "purge", "all", "--consumer", "comments-PostCreated"}).out ==
        "removed 1 dead letter(s) from BLOG_DLQ\n");
  const auto rest = ParseDoc(Ctl({"dlq", "list", "--json"}).out);
  REQUIRE(rest["dead_letters"].Size() == 1);
  CHECK(rest["dead_letters"][0]["sequence"].GetUint64() == 1);
  CHECK(Ctl({"dlq", "purge", "all"}).out == "removed 1 dead letter(s) from BLOG_DLQ\n");
  CHECK(blog::GetStream(*f.nats, "BLOG_DLQ", false)->messages == 0);
}

TEST_CASE("replay refuses to skip unacknowledged events and changes nothing when it refuses",
          "[integration][blogctl]") {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.Store(Post("P" + std::to_string(i)));
  f.CreateDurable("query-PostCreated", "blog.post.created");
  f.Acknowledge("query-PostCreated", 2);  // ack floor 2

  const auto skip = Ctl({"replay", "query", "--type", "PostCreated", "--from", "4"});
  CHECK(skip.code == 1);
  CHECK(skip.err.find("query-PostCreated has acknowledged events only up to sequence 2; starting "
                      "at 4 would skip 1 event(s)") != std::string::npos);
  CHECK(skip.err.find("nothing was changed") != std::string::npos);
  auto state = blog::GetConsumer(*f.nats, "BLOG", "query-PostCreated");
  REQUIRE(state);
  CHECK(state->ack_floor == 2);
  CHECK(blog::DeliverPolicyName(state->config.start.kind) == "all");

  // Every consumer is checked first: query-CommentCreated does not exist, so nothing changes.
  const auto missing = Ctl({"replay", "query", "--from", "1"});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("consumer query-CommentCreated does not exist") != std::string::npos);
  CHECK(blog::GetConsumer(*f.nats, "BLOG", "query-PostCreated")->ack_floor == 2);

  const auto dry = Ctl({"replay", "query", "--type", "PostCreated", "--from", "1", "--dry-run"});
  CHECK(dry.code == 0);
  CHECK(dry.out.find("query-PostCreated: would recreate to deliver from sequence 1") !=
        std::string::npos);
  CHECK(blog::GetConsumer(*f.nats, "BLOG", "query-PostCreated")->ack_floor == 2);
}

TEST_CASE("replay recreates a consumer at the sequence with its settings",
          "[integration][blogctl]") {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.Store(Post("P" + std::to_string(i)));
  f.CreateDurable("query-PostCreated", "blog.post.created");
  f.Acknowledge("query-PostCreated", 3);

  const auto from_two = Ctl({"replay", "query", "--type", "PostCreated", "--from", "2", "--json"});
  INFO(from_two.err);
  REQUIRE(from_two.code == 0);
  const auto doc = ParseDoc(from_two.out);
  CHECK(doc["consumers"][0]["previous_ack_floor"].GetUint64() == 3);
  CHECK(doc["consumers"][0]["redeliver"].GetUint64() == 3);
  auto state = blog::GetConsumer(*f.nats, "BLOG", "query-PostCreated");
  REQUIRE(state);
  CHECK(blog::DeliverPolicyName(state->config.start.kind) == "by_start_sequence");
  CHECK(state->config.start.sequence == 2);
  CHECK(state->pending == 3);
  CHECK(state->config.ack_wait == 30s);
  CHECK(state->config.max_deliver == -1);
  CHECK(state->config.max_ack_pending == 1000);  // the listeners' setting, kept by the replay
  CHECK(state->config.filter_subject == "blog.post.created");

  const auto all = Ctl({"replay", "query", "--type", "PostCreated", "--from", "1"});
  INFO(all.err);
  REQUIRE(all.code == 0);
  CHECK(all.out.find("recreated to deliver from sequence 1 (all; acknowledged up to ") !=
        std::string::npos);
  CHECK(all.out.find(": 4 blog.post.created event(s) will be delivered again") !=
        std::string::npos);
  CHECK(blog::DeliverPolicyName(
            blog::GetConsumer(*f.nats, "BLOG", "query-PostCreated")->config.start.kind) == "all");

  const auto skip =
      Ctl({"replay", "query", "--type", "PostCreated", "--from", "4", "--allow-skip"});
  REQUIRE(skip.code == 0);
  CHECK(skip.out.find("; 3 unprocessed event(s) skipped") != std::string::npos);
  CHECK(blog::GetConsumer(*f.nats, "BLOG", "query-PostCreated")->pending == 1);
}

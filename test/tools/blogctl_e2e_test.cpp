// blogctl against the four running services: the catalog matches what they do, dead letters
// are requeued and applied once, and replay redelivers without applying anything twice.
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/catalog.hpp"
#include "common/listener.hpp"

#include "blog_system.hpp"
#include "blogctl_run.hpp"
#include "exposition.hpp"

using blog::test::BlogSystem;
using blog::test::Ctl;
using blog::test::Eventually;
using blog::test::ParseDoc;
using namespace std::chrono_literals;

namespace {

std::string CommentId(const blog::test::HttpResult& created) {
  const auto list = blog::test::ParseJson(created.body);
  REQUIRE(list.Size() >= 1);
  return list[list.Size() - 1]["id"].GetString();
}

// Every stored event (blogctl events tail --json from the first).
std::vector<rapidjson::Document> StoredEvents() {
  const auto r = Ctl({"events", "tail", "--from", "1", "--json"});
  REQUIRE(r.code == 0);
  std::vector<rapidjson::Document> events;
  for (const auto& line : r.Lines()) {
    events.push_back(ParseDoc(line));
    REQUIRE(events.back().IsObject());
  }
  return events;
}

double Metric(BlogSystem& blog, const std::string& service, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  const auto r = blog::test::Http(blog.Port(service), "GET", "/metrics");
  REQUIRE(r.status == 200);
  return blog::ctl::ParseExposition(r.body).Sum(name, labels);
}

// The query consumers have acknowledged everything stored for them.
bool QueryCaughtUp() {
  const auto doc = ParseDoc(Ctl({"consumers", "--json"}).out);
  if (!doc.IsObject()) return false;
  for (const auto& c : doc["consumers"].GetArray()) {
    if (std::string(c["name"].GetString()).rfind("query-", 0) != 0) continue;
    if (c["pending"].GetUint64() != 0 || c["ack_pending"].GetInt64() != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("the running services match the catalog: their durable consumers and stored events",
          "[e2e][blogctl]") {
  BlogSystem blog;
  blog::test::PointBlogctlAt(blog.nats().url(), "admin", blog.nats().Password("admin"));
  const auto post = blog.CreatePost("Catalog");
  const auto created = blog.AddComment(post, "I like apples");
  REQUIRE(created.status == 201);
  const auto comment = CommentId(created);
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, comment) == "approved"; }));

  std::set<std::string> expected;
  for (const auto& e : blog::EventCatalog()) {
    for (const auto& s : e.consumers) expected.insert(blog::ConsumerName(s, e.type));
  }
  const auto consumers = Ctl({"consumers", "--json"});
  REQUIRE(consumers.code == 0);
  const auto doc = ParseDoc(consumers.out);
  std::set<std::string> actual;
  for (const auto& c : doc["consumers"].GetArray()) {
    actual.insert(c["name"].GetString());
    CHECK(c["in_catalog"].GetBool());
  }
  CHECK(actual == expected);
  CHECK(doc["missing"].Empty());

  std::map<std::string, int> per_type;
  for (const auto& stored : StoredEvents()) {
    const auto& event = stored["event"];
    const std::string type = event["type"].GetString();
    INFO("stored event " << stored["sequence"].GetUint64() << " of type " << type);
    const auto* description = blog::FindEvent(type);
    REQUIRE(description != nullptr);
    CHECK(stored["subject"].GetString() == description->subject);
    CHECK(std::string(event["source"].GetString()) == "/" + description->producers.front());
    CHECK(std::string(stored["headers"]["Nats-Msg-Id"].GetString()) == event["id"].GetString());
    CHECK(stored["headers"].HasMember("traceparent"));
    CHECK_FALSE(stored.HasMember("error"));
    ++per_type[type];
  }
  CHECK(per_type == std::map<std::string, int>{{"PostCreated", 1},
                                               {"CommentCreated", 1},
                                               {"CommentModerated", 1},
                                               {"CommentUpdated", 1}});
  const auto flow = Ctl({"flow"});
  CHECK(flow.out.find("comments    --CommentUpdated-->    query") != std::string::npos);
}

TEST_CASE(
    "a poison event is dead-lettered with its reason and, requeued after the fix, applied "
    "once",
    "[e2e][blogctl]") {
  BlogSystem blog;
  blog::test::PointBlogctlAt(blog.nats().url(), "admin", blog.nats().Password("admin"));
  const auto post = blog.CreatePost("Poisoned");
  REQUIRE(Eventually(
      [&] { return blog::test::Http(blog.Port("query"), "GET", "/posts/" + post).status == 200; }));
  {
    pqxx::connection conn(blog.DatabaseUrl("query"));
    pqxx::nontransaction(conn).exec("ALTER TABLE comments RENAME TO comments_away");
  }
  const auto created = blog.AddComment(post, "I like apples");
  REQUIRE(created.status == 201);
  const auto comment = CommentId(created);

  // query gives up on CommentCreated and on the CommentUpdated that follows it.
  rapidjson::Document letters;
  REQUIRE(Eventually(
      [&] {
        letters = ParseDoc(Ctl({"dlq", "list", "--json"}).out);
        return letters.IsObject() && letters["dead_letters"].Size() == 2;
      },
      60s));
  std::set<std::string> consumers;
  for (const auto& letter : letters["dead_letters"].GetArray()) {
    consumers.insert(letter["consumer"].GetString());
    const std::string reason = letter["reason"].GetString();
    CHECK(reason.find("handler failed 5 times") == 0);
    CHECK(reason.find("relation \"comments\" does not exist") != std::string::npos);
  }
  CHECK(consumers == std::set<std::string>{"query-CommentCreated", "query-CommentUpdated"});
  const auto listed = Ctl({"dlq", "list"});
  CHECK(listed.out.find("CommentCreated  ") != std::string::npos);
  CHECK(blog.QueryStatus(post, comment).empty());

  {
    pqxx::connection conn(blog.DatabaseUrl("query"));
    pqxx::nontransaction(conn).exec("ALTER TABLE comments_away RENAME TO comments");
  }
  const double duplicates_before = Metric(blog, "moderation", "blog_events_duplicate_total",
                                          {{"consumer", "moderation-CommentCreated"}});
  const auto requeue = Ctl({"dlq", "requeue", "all"});
  INFO(requeue.err);
  REQUIRE(requeue.code == 0);
  CHECK(requeue.Lines().size() == 2);
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, comment) == "approved"; }, 20s));
  CHECK(Ctl({"dlq", "list"}).out == "no dead letters\n");

  // The requeued CommentCreated also reached moderation, whose inbox skipped it: one decision.
  CHECK(Eventually([&] {
    return Metric(blog, "moderation", "blog_events_duplicate_total",
                  {{"consumer", "moderation-CommentCreated"}}) == duplicates_before + 1;
  }));
  std::map<std::string, std::set<std::string>> ids_per_type;
  std::map<std::string, int> copies_per_type;
  for (const auto& stored : StoredEvents()) {
    const std::string type = stored["event"]["type"].GetString();
    ids_per_type[type].insert(stored["event"]["id"].GetString());
    ++copies_per_type[type];
  }
  CHECK(ids_per_type["CommentModerated"].size() == 1);
  CHECK(copies_per_type["CommentModerated"] == 1);
  CHECK(ids_per_type["CommentCreated"].size() == 1);  // the requeued copy has the same event id
  CHECK(copies_per_type["CommentCreated"] == 2);
  CHECK(ids_per_type["CommentUpdated"].size() == 1);
  const auto view =
      blog::test::ParseJson(blog::test::Http(blog.Port("query"), "GET", "/posts/" + post).body);
  CHECK(view["comments"].Size() == 1);
}

TEST_CASE(
    "replay redelivers a service's events to its running replicas without applying any "
    "twice",
    "[e2e][blogctl]") {
  BlogSystem blog;
  blog::test::PointBlogctlAt(blog.nats().url(), "admin", blog.nats().Password("admin"));
  const auto post = blog.CreatePost("Replayed");
  const auto created = blog.AddComment(post, "orange juice");
  REQUIRE(created.status == 201);
  const auto comment = CommentId(created);
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, comment) == "rejected"; }));
  REQUIRE(Eventually(QueryCaughtUp));
  const auto before = blog::test::Http(blog.Port("query"), "GET", "/posts").body;
  const double duplicates_before = Metric(blog, "query", "blog_events_duplicate_total", {});

  const auto replay = Ctl({"replay", "query", "--from", "1"});
  INFO(replay.err);
  REQUIRE(replay.code == 0);
  CHECK(replay.out.find("query-PostCreated: recreated to deliver from sequence 1") !=
        std::string::npos);
  CHECK(replay.out.find("query-CommentCreated: recreated") != std::string::npos);
  CHECK(replay.out.find("query-CommentUpdated: recreated") != std::string::npos);

  // PostCreated, CommentCreated and CommentUpdated come again; the inbox skips all three.
  CHECK(Eventually(
      [&] {
        return Metric(blog, "query", "blog_events_duplicate_total", {}) == duplicates_before + 3;
      },
      20s));
  CHECK(Eventually(QueryCaughtUp));
  CHECK(blog::test::Http(blog.Port("query"), "GET", "/posts").body == before);

  // The running query service kept its binding: new events still reach it.
  const auto post2 = blog.CreatePost("After replay");
  const auto created2 = blog.AddComment(post2, "apples");
  REQUIRE(created2.status == 201);
  const auto comment2 = CommentId(created2);
  CHECK(Eventually([&] { return blog.QueryStatus(post2, comment2) == "approved"; }, 20s));

  // A consumer replayed from a later sequence keeps that start when its service comes back
  // with other consumer settings (the start position cannot be updated in place).
  REQUIRE(Ctl({"replay", "query", "--type", "PostCreated", "--from", "2"}).code == 0);
  blog.Stop("query");
  blog.Start("query", {{"ACK_WAIT_MS", "20000"}});
  INFO(blog.Logs("query"));
  REQUIRE(blog.WaitReady("query"));
  const auto consumers = ParseDoc(Ctl({"consumers", "--json"}).out);
  for (const auto& c : consumers["consumers"].GetArray()) {
    if (std::string(c["name"].GetString()) == "query-PostCreated") {
      CHECK(std::string(c["deliver_policy"].GetString()) == "by_start_sequence");
    }
  }
}

// Idempotency-Key through the real services: two replicas of posts and of comments, sharing
// their databases, receive the same keyed request at the same moment.
#include <array>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/codec.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"
#include "common/nats_client.hpp"
#include "common/stream_reader.hpp"

#include "blog_system.hpp"

using namespace blog;
using namespace blog::test;
using namespace std::chrono_literals;

namespace {

// Sends one keyed POST to two instances at once; returns both answers.
std::array<HttpResult, 2> SendToBoth(BlogSystem& blog, const std::array<std::string, 2>& instances,
                                     const std::string& path, const std::string& body,
                                     const std::string& key) {
  std::array<HttpResult, 2> answers;
  std::atomic<int> ready{0};
  std::vector<std::thread> senders;
  for (std::size_t i = 0; i < 2; ++i) {
    senders.emplace_back([&, i] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      answers[i] = Http(blog.Port(instances[i]), "POST", path, body, "application/json",
                        {{"Idempotency-Key", key}});
    });
  }
  for (auto& s : senders) s.join();
  return answers;
}

long long CountRows(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  return tx.exec(sql)[0][0].as<long long>();
}

}  // namespace

TEST_CASE("two replicas given one Idempotency-Key create one post and one comment and answer alike",
          "[e2e][idempotency]") {
  BlogSystem blog({"posts-2", "comments-2"});
  constexpr int kRounds = 6;
  std::vector<std::string> posts;
  std::vector<std::string> comments;
  struct Sent {
    std::string path;
    std::string body;
    std::string answer;
  };
  std::map<std::string, Sent> sent;  // by key

  for (int i = 0; i < kRounds; ++i) {
    const std::string key = "\"post-" + NewUuid() + "\"";
    const std::string body = R"({"title":"Once )" + std::to_string(i) + R"("})";
    const auto answers = SendToBoth(blog, {"posts", "posts-2"}, "/posts/create", body, key);
    INFO(answers[0].body << " / " << answers[1].body);
    REQUIRE(answers[0].status == 201);
    REQUIRE(answers[1].status == 201);
    CHECK(answers[0].body == answers[1].body);
    posts.push_back(ParseJson(answers[0].body)["id"].GetString());
  }
  for (int i = 0; i < kRounds; ++i) {
    const std::string key = "comment-" + NewUuid();
    const std::string path = "/posts/" + posts[i] + "/comments";
    const std::string body = R"({"content":"only once )" + std::to_string(i) + R"("})";
    const auto answers = SendToBoth(blog, {"comments", "comments-2"}, path, body, key);
    INFO(answers[0].body << " / " << answers[1].body);
    REQUIRE(answers[0].status == 201);
    REQUIRE(answers[1].status == 201);
    CHECK(answers[0].body == answers[1].body);
    const auto list = ParseJson(answers[0].body);
    REQUIRE(list.Size() == 1);
    comments.push_back(list[0]["id"].GetString());
    sent[key] = {path, body, answers[0].body};
  }

  // Later repeats, at either replica, still get the first answer (statuses as they were then),
  // and the same key with another body is refused.
  for (const auto& [key, first] : sent) {
    for (const auto* instance : {"comments", "comments-2"}) {
      const auto again = Http(blog.Port(instance), "POST", first.path, first.body,
                              "application/json", {{"Idempotency-Key", key}});
      CHECK(again.status == 201);
      CHECK(again.body == first.answer);
      CHECK(again.headers.at("idempotent-replayed") == "true");
    }
    const auto misused =
        Http(blog.Port("comments-2"), "POST", first.path, R"({"content":"different"})",
             "application/json", {{"Idempotency-Key", key}});
    CHECK(misused.status == 422);
  }

  // Exactly one row and one event per key.
  const std::string posts_db = blog.DatabaseUrl("posts");
  const std::string comments_db = blog.DatabaseUrl("comments");
  CHECK(CountRows(posts_db, "SELECT count(*) FROM posts") == kRounds);
  CHECK(CountRows(comments_db, "SELECT count(*) FROM comments") == kRounds);
  REQUIRE(Eventually([&] {
    return CountRows(posts_db, "SELECT count(*) FROM blog_outbox") == 0 &&
           CountRows(comments_db, "SELECT count(*) FROM blog_outbox") == 0;
  }));
  NatsClient nats(blog.AdminNats("idempotency-test"));
  REQUIRE(nats.WaitConnected(5s));
  std::multiset<std::string> created;  // ids of PostCreated and CommentCreated in the stream
  ReadStream(nats, kEventStream, kEventSubjects, 1, 100, [&](const auto& batch) {
    for (const auto& m : batch) {
      const auto decoded = DecodeEvent(m.data);
      if (const auto* p = std::get_if<PostCreated>(&decoded.event)) created.insert(p->id);
      if (const auto* c = std::get_if<CommentCreated>(&decoded.event)) created.insert(c->id);
    }
  });
  std::multiset<std::string> expected(posts.begin(), posts.end());
  expected.insert(comments.begin(), comments.end());
  CHECK(created == expected);

  // The read model shows each post once, with its one comment.
  REQUIRE(Eventually([&] {
    const auto all = blog.QueryPosts();
    if (all.MemberCount() != kRounds) return false;
    for (const auto& post : posts) {
      if (!all.HasMember(post.c_str()) || all[post.c_str()]["comments"].Size() != 1) return false;
    }
    return true;
  }));
}

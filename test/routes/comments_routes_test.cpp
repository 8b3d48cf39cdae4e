// The comments service's routes as a client sees them: statuses, bodies, headers and errors.
#include <thread>

#include <catch2/catch.hpp>

#include "common/ids.hpp"

#include "comments.hpp"
#include "harness.hpp"
#include "route_client.hpp"

using namespace blog;
using namespace std::chrono_literals;
using test::ErrorMessage;
using test::JsonOf;

namespace {

// The comments service on its own database; a comment on a post not known yet waits up to
// `post_wait` for the post to arrive.
struct Comments {
  Comments(const std::string& database_url, std::chrono::milliseconds post_wait)
      : service(test::RouteConfig("comments", database_url), comments::Migrations()) {
    comments::AddRoutes(service, arrivals, post_wait);
  }
  comments::PostArrivals arrivals;
  Service service;
  test::RouteClient client{service};
};

struct CommentsWithDatabase {
  explicit CommentsWithDatabase(std::chrono::milliseconds post_wait = 0ms)
      : comments(pg.url(), post_wait) {
    comments.service.Db().Migrate("comments", comments::Migrations());
  }
  // What the PostCreated listener records when it learns a post.
  std::string KnownPost() {
    const std::string id = NewUuid();
    pg.Sql("INSERT INTO known_posts (id) VALUES ('" + id + "')");
    return id;
  }
  test::TempDatabase pg;
  Comments comments;
  const test::RouteClient& client = comments.client;
};

std::string Comment(const std::string& content) { return R"({"content":")" + content + R"("})"; }

}  // namespace

TEST_CASE("commenting answers 201 with the post's whole comment list, pending, in order",
          "[routes][integration]") {
  CommentsWithDatabase f;
  const std::string post = f.KnownPost();
  const std::string path = "/posts/" + post + "/comments";
  CHECK(f.client.Send("GET", path).body == "[]");

  const auto first = f.client.Send("POST", path, Comment("I like apples"));
  REQUIRE(first.status == 201);
  const auto one = JsonOf(first);
  REQUIRE(one.Size() == 1);
  const std::string first_id = one[0]["id"].GetString();
  CHECK(IsUuid(first_id));
  CHECK(first.body == R"([{"id":")" + first_id +
                          R"(","content":"I like apples","status":"pending"}])");

  const auto second = f.client.Send("POST", path, Comment("and oranges"));
  REQUIRE(second.status == 201);
  const auto two = JsonOf(second);
  REQUIRE(two.Size() == 2);
  CHECK(std::string(two[0]["id"].GetString()) == first_id);
  CHECK(std::string(two[1]["content"].GetString()) == "and oranges");
  CHECK(std::string(two[1]["status"].GetString()) == "pending");
  CHECK(f.pg.Sql("SELECT count(*) FROM blog_outbox WHERE subject = 'blog.comment.created'") ==
        "2");

  const auto listed = f.client.Send("GET", path);
  CHECK(listed.status == 200);
  CHECK(listed.body == second.body);
}

TEST_CASE("a comment on a post the service has not learned answers 404 and stores nothing",
          "[routes][integration]") {
  CommentsWithDatabase f;
  const std::string post = NewUuid();
  const auto added = f.client.Send("POST", "/posts/" + post + "/comments", Comment("hello"));
  CHECK(added.status == 404);
  CHECK(ErrorMessage(added) == "post " + post + " not found");
  CHECK(f.pg.Sql("SELECT count(*) FROM comments") == "0");
  CHECK(f.pg.Sql("SELECT count(*) FROM blog_outbox") == "0");
  const auto listed = f.client.Send("GET", "/posts/" + post + "/comments");
  CHECK(listed.status == 404);
  CHECK(ErrorMessage(listed) == "post " + post + " not found");
}

TEST_CASE("a comment waits for its post to arrive and then answers 201", "[routes][integration]") {
  CommentsWithDatabase f(30s);
  const std::string post = NewUuid();
  std::thread arrival([&] {
    std::this_thread::sleep_for(200ms);
    f.pg.Sql("INSERT INTO known_posts (id) VALUES ('" + post + "')");
    f.comments.arrivals.Notify();
  });
  const auto added = f.client.Send("POST", "/posts/" + post + "/comments", Comment("early"));
  arrival.join();
  CHECK(added.status == 201);
  CHECK(JsonOf(added).Size() == 1);
}

TEST_CASE("bad comment input is refused with 400, 404 or 415 before the database is asked",
          "[routes]") {
  Comments f(test::UnreachableDatabaseUrl(), 0ms);  // a route that asked it would answer 503
  const std::string path = "/posts/" + NewUuid() + "/comments";

  const auto missing = f.client.Send("POST", path, R"({"text":"x"})");
  CHECK(missing.status == 400);
  CHECK(missing.body == R"({"errors":[{"message":"content is required","field":"content"}]})");
  const auto too_long = f.client.Send("POST", path, Comment(std::string(1001, 'x')));
  CHECK(too_long.status == 400);
  CHECK(ErrorMessage(too_long) == "content must have at most 1000 characters");
  CHECK(f.client.Send("POST", path, Comment("   ")).status == 400);
  CHECK(f.client.Send("POST", path, "content", "text/plain").status == 415);

  for (const char* method : {"GET", "POST"}) {
    const auto not_uuid = f.client.Send(method, "/posts/42/comments", Comment("x"));
    CHECK(not_uuid.status == 404);
    CHECK(ErrorMessage(not_uuid) == "post 42 not found");
  }
  CHECK(f.client.Send("PUT", path, Comment("x")).status == 405);
}

TEST_CASE("the comment routes answer 503 with the error body while the database is unreachable",
          "[routes]") {
  Comments f(test::UnreachableDatabaseUrl(), 0ms);
  const std::string path = "/posts/" + NewUuid() + "/comments";
  const auto added = f.client.Send("POST", path, Comment("hello"));
  CHECK(added.status == 503);
  CHECK(ErrorMessage(added) == "service temporarily unavailable, retry later");
  CHECK(f.client.Send("GET", path).status == 503);
}

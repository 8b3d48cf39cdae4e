// The posts service's routes as a client sees them: statuses, bodies, headers and errors.
#include <catch2/catch.hpp>

#include "common/ids.hpp"

#include "harness.hpp"
#include "posts.hpp"
#include "route_client.hpp"

using namespace blog;
using test::ErrorMessage;
using test::HeaderOf;
using test::JsonOf;

namespace {

// The posts service on a database of its own, migrated as at start-up.
struct Posts {
  explicit Posts(const std::string& database_url)
      : service(test::RouteConfig("posts", database_url), posts::Migrations()) {
    posts::AddRoutes(service);
  }
  Service service;
  test::RouteClient client{service};
};

struct PostsWithDatabase {
  PostsWithDatabase() { posts.service.Db().Migrate("posts", posts::Migrations()); }
  test::TempDatabase pg;
  Posts posts{pg.url()};
  const test::RouteClient& client = posts.client;
};

std::string Create(const test::RouteClient& client, const std::string& title) {
  const auto response = client.Send("POST", "/posts/create", R"({"title":")" + title + R"("})");
  REQUIRE(response.status == 201);
  return JsonOf(response)["id"].GetString();
}

}  // namespace

TEST_CASE("creating a post answers 201 with its id and title and stores its event",
          "[routes][integration]") {
  PostsWithDatabase f;
  const auto created = f.client.Send("POST", "/posts/create", R"({"title":"  Hello  "})");
  REQUIRE(created.status == 201);
  CHECK(created.content_type == "application/json");
  const auto body = JsonOf(created);
  const std::string id = body["id"].GetString();
  CHECK(IsUuid(id));
  CHECK(std::string(body["title"].GetString()) == "Hello");  // trimmed
  CHECK(created.body == R"({"id":")" + id + R"(","title":"Hello"})");
  CHECK(f.pg.Sql("SELECT count(*) FROM blog_outbox WHERE subject = 'blog.post.created' AND "
                 "payload LIKE '%" + id + "%'") == "1");

  const auto alias = f.client.Send("POST", "/posts", R"({"title":"Second"})");
  CHECK(alias.status == 201);

  const auto fetched = f.client.Send("GET", "/posts/" + id);
  CHECK(fetched.status == 200);
  CHECK(fetched.body == created.body);
}

TEST_CASE("the post list is newest first, keyed by id, and pages with X-Next-Cursor",
          "[routes][integration]") {
  PostsWithDatabase f;
  CHECK(f.client.Send("GET", "/posts").body == "{}");
  const auto first = Create(f.client, "one");
  const auto second = Create(f.client, "two");
  const auto third = Create(f.client, "three");

  const auto page = f.client.Send("GET", "/posts?limit=2");
  REQUIRE(page.status == 200);
  const auto doc = JsonOf(page);
  REQUIRE(doc.MemberCount() == 2);
  CHECK(std::string(doc.MemberBegin()->name.GetString()) == third);
  CHECK(std::string(doc[third.c_str()]["title"].GetString()) == "three");
  CHECK(std::string((doc.MemberBegin() + 1)->name.GetString()) == second);
  const std::string cursor = HeaderOf(page, "X-Next-Cursor");
  REQUIRE_FALSE(cursor.empty());

  const auto rest = f.client.Send("GET", "/posts?limit=2&cursor=" + cursor);
  REQUIRE(rest.status == 200);
  const auto rest_doc = JsonOf(rest);
  REQUIRE(rest_doc.MemberCount() == 1);
  CHECK(rest_doc.HasMember(first.c_str()));
  CHECK(HeaderOf(rest, "X-Next-Cursor").empty());
}

TEST_CASE("an unknown post id answers 404 with the error body", "[routes][integration]") {
  PostsWithDatabase f;
  const std::string id = NewUuid();
  const auto response = f.client.Send("GET", "/posts/" + id);
  CHECK(response.status == 404);
  CHECK(ErrorMessage(response) == "post " + id + " not found");
}

TEST_CASE("bad post input is refused with 400, 404 or 415 before the database is asked",
          "[routes]") {
  Posts f(test::UnreachableDatabaseUrl());  // a route that asked it would answer 503

  const auto missing = f.client.Send("POST", "/posts/create", R"({"name":"x"})");
  CHECK(missing.status == 400);
  CHECK(missing.body == R"({"errors":[{"message":"title is required","field":"title"}]})");

  const auto too_long =
      f.client.Send("POST", "/posts", R"({"title":")" + std::string(201, 'x') + R"("})");
  CHECK(too_long.status == 400);
  CHECK(ErrorMessage(too_long) == "title must have at most 200 characters");

  CHECK(f.client.Send("POST", "/posts", R"(["title"])").status == 400);
  CHECK(f.client.Send("POST", "/posts", "{\"title\":").status == 400);
  CHECK(f.client.Send("POST", "/posts", "title=x", "application/x-www-form-urlencoded").status ==
        415);

  const auto not_uuid = f.client.Send("GET", "/posts/not-a-uuid");
  CHECK(not_uuid.status == 404);
  CHECK(ErrorMessage(not_uuid) == "post not-a-uuid not found");

  const auto limit = f.client.Send("GET", "/posts?limit=0");
  CHECK(limit.status == 400);
  CHECK(JsonOf(limit)["errors"][0]["field"].GetString() == std::string("limit"));
  CHECK(f.client.Send("GET", "/posts?cursor=abc").status == 400);

  const auto wrong_method = f.client.Send("DELETE", "/posts");
  CHECK(wrong_method.status == 405);
  CHECK(HeaderOf(wrong_method, "Allow") == "POST, GET");
}

TEST_CASE("the post routes answer 503 with the error body while the database is unreachable",
          "[routes]") {
  Posts f(test::UnreachableDatabaseUrl());
  const std::string unavailable =
      R"({"errors":[{"message":"service temporarily unavailable, retry later"}]})";
  const auto create = f.client.Send("POST", "/posts/create", R"({"title":"Hello"})");
  CHECK(create.status == 503);
  CHECK(create.body == unavailable);
  const auto list = f.client.Send("GET", "/posts");
  CHECK(list.status == 503);
  CHECK(list.body == unavailable);
  CHECK(f.client.Send("GET", "/posts/" + NewUuid()).status == 503);
}

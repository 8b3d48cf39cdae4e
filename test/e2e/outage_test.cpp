// Outages of PostgreSQL and NATS: refuse clearly, keep what was accepted, recover by itself.
#include <thread>

#include <catch2/catch.hpp>

#include "blog_system.hpp"

using namespace blog::test;
using namespace std::chrono_literals;

TEST_CASE(
    "while PostgreSQL is down a service answers 503 with the error body and recovers by "
    "itself",
    "[e2e][outage]") {
  BlogSystem blog;
  BlogSystem::StopPostgres();
  const auto started = std::chrono::steady_clock::now();
  const auto refused = Http(blog.Port("posts"), "POST", "/posts/create", R"({"title":"x"})");
  const auto waited = std::chrono::steady_clock::now() - started;
  const auto ready = Http(blog.Port("posts"), "GET", "/readyz");
  const auto alive = Http(blog.Port("posts"), "GET", "/healthz");
  const auto read = Http(blog.Port("query"), "GET", "/posts");
  BlogSystem::StartPostgres();

  CHECK(refused.status == 503);
  CHECK(ParseJson(refused.body)["errors"][0]["message"].GetStringLength() > 0);
  CHECK(waited < 10s);  // refused, not hung
  CHECK(ready.status == 503);
  CHECK(alive.status == 200);
  CHECK(read.status == 503);
  CHECK(Eventually(
      [&] {
        return Http(blog.Port("posts"), "POST", "/posts/create", R"({"title":"back"})").status ==
               201;
      },
      20s));
  const auto post = blog.CreatePost("after the outage");
  const auto c = blog.AddComment(post, "orange");
  REQUIRE(c.status == 201);
  const auto id = std::string(ParseJson(c.body)[0]["id"].GetString());
  CHECK(Eventually([&] { return blog.QueryStatus(post, id) == "rejected"; }, 20s));
}

TEST_CASE("while nats-server is down writes still succeed and flow once it returns",
          "[e2e][outage]") {
  BlogSystem blog;
  const auto known = blog.CreatePost("known before the outage");
  REQUIRE(Eventually([&] {
    return Http(blog.Port("comments"), "GET", "/posts/" + known + "/comments").status == 200;
  }));
  blog.nats().Stop();
  const auto post = blog.CreatePost("written while nats is down");
  const auto c = blog.AddComment(known, "written while nats is down");
  REQUIRE(c.status == 201);
  const auto id = std::string(ParseJson(c.body)[0]["id"].GetString());
  std::this_thread::sleep_for(500ms);
  CHECK(Http(blog.Port("query"), "GET", "/posts/" + post).status == 404);  // not there yet
  blog.nats().Start();
  CHECK(Eventually([&] { return Http(blog.Port("query"), "GET", "/posts/" + post).status == 200; },
                   30s));
  CHECK(Eventually([&] { return blog.QueryStatus(known, id) == "approved"; }, 30s));
}

// One W3C trace id, given by the client, follows a comment through every hop and every service.
#include <algorithm>

#include <catch2/catch.hpp>

#include "common/ids.hpp"

#include "blog_system.hpp"
#include "blogctl_run.hpp"

using blog::test::BlogSystem;
using blog::test::Eventually;
using blog::test::Http;
using namespace std::chrono_literals;

TEST_CASE("a client's trace id reaches every event and a log line of every service",
          "[e2e][trace]") {
  BlogSystem blog;
  blog::test::PointBlogctlAt(blog.nats().url(), "admin", blog.nats().Password("admin"));
  std::string trace_id = blog::NewUuid();
  trace_id.erase(std::remove(trace_id.begin(), trace_id.end(), '-'), trace_id.end());
  const std::map<std::string, std::string> headers = {
      {"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}};

  const auto post = Http(blog.Port("posts"), "POST", "/posts/create", R"({"title":"Traced"})",
                         "application/json", headers);
  REQUIRE(post.status == 201);
  CHECK(post.headers.at("x-trace-id") == trace_id);
  const std::string post_id = blog::test::ParseJson(post.body)["id"].GetString();
  const auto comment = Http(blog.Port("comments"), "POST", "/posts/" + post_id + "/comments",
                            R"({"content":"traced apples"})", "application/json", headers);
  REQUIRE(comment.status == 201);
  CHECK(comment.headers.at("x-trace-id") == trace_id);
  const std::string comment_id = blog::test::ParseJson(comment.body)[0]["id"].GetString();
  REQUIRE(Eventually([&] { return blog.QueryStatus(post_id, comment_id) == "approved"; }));

  // Every event of the flow carries the trace (outbox and each listener hop keep it).
  const auto tail = blog::test::Ctl({"events", "tail", "--from", "1", "--json"});
  REQUIRE(tail.code == 0);
  const auto lines = tail.Lines();
  REQUIRE(lines.size() == 4);
  for (const auto& line : lines) {
    const auto event = blog::test::ParseDoc(line);
    INFO(line);
    const std::string traceparent = event["headers"]["traceparent"].GetString();
    CHECK(traceparent.substr(3, 32) == trace_id);
  }

  // Every service wrote at least one log line about this request or its events.
  const std::string needle = "\"trace_id\":\"" + trace_id + "\"";
  for (const auto& service : blog::test::kServices) {
    INFO(service << " log:\n" << blog.Logs(service));
    CHECK(Eventually([&] { return blog.Logs(service).find(needle) != std::string::npos; }, 5s));
  }
}

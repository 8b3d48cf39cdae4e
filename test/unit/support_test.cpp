#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/config.hpp"
#include "common/ids.hpp"
#include "common/metrics.hpp"
#include "common/trace.hpp"

#include "moderation.hpp"

using namespace blog;

TEST_CASE("moderation rejects a comment containing a banned word, ignoring case", "[moderation]") {
  const std::vector<std::string> banned = {"orange"};
  CHECK(moderation::Moderate("I like ORANGES", banned).status == CommentStatus::kRejected);
  CHECK(moderation::Moderate("I like ORANGES", banned).reason.find("orange") != std::string::npos);
  CHECK(moderation::Moderate("I like apples", banned).status == CommentStatus::kApproved);
  CHECK(moderation::Moderate("I like apples", banned).reason.empty());
  CHECK(moderation::Moderate("kiwi", {"Kiwi", "plum"}).status == CommentStatus::kRejected);
}

TEST_CASE("random ids are UUIDs and derived ids are stable", "[ids]") {
  const auto a = NewUuid();
  CHECK(IsUuid(a));
  CHECK(a[14] == '4');
  CHECK(a != NewUuid());
  CHECK(DerivedUuid("CommentModerated/x") == DerivedUuid("CommentModerated/x"));
  CHECK(DerivedUuid("CommentModerated/x") != DerivedUuid("CommentModerated/y"));
  CHECK(DerivedUuid("x")[14] == '5');
  CHECK_FALSE(IsUuid("not-a-uuid"));
  CHECK_FALSE(IsUuid("../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaa"));
}

TEST_CASE("a valid traceparent is kept and an invalid one replaced", "[trace]") {
  const std::string header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto parsed = TraceParent::FromHeader(header);
  CHECK(parsed.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(parsed.ToHeader() == header);
  CHECK(parsed.Child().trace_id == parsed.trace_id);
  CHECK(parsed.Child().span_id != parsed.span_id);
  const auto fresh = TraceParent::FromHeader("garbage");
  CHECK(fresh.trace_id.size() == 32);
  CHECK(fresh.trace_id != parsed.trace_id);
}

TEST_CASE("an invalid setting names its environment variable", "[config]") {
  setenv("PORT", "80a", 1);
  try {
    Config::FromEnv("posts", 4000);
    FAIL("accepted PORT=80a");
  } catch (const ConfigError& e) {
    CHECK(e.Field() == "PORT");
  }
  setenv("PORT", "4100", 1);
  setenv("STREAM_STORAGE", "tape", 1);
  CHECK_THROWS_AS(Config::FromEnv("posts", 4000), ConfigError);
  unsetenv("STREAM_STORAGE");
  const auto config = Config::FromEnv("posts", 4000);
  CHECK(config.port == 4100);
  CHECK(config.database_url.find("/posts") != std::string::npos);
  unsetenv("PORT");
}

TEST_CASE("metrics render in the Prometheus text format", "[metrics]") {
  Metrics metrics;
  metrics.Describe("t_requests_total", "counter", "Requests.");
  metrics.Increment("t_requests_total", {{"route", "/posts"}});
  metrics.Increment("t_requests_total", {{"route", "/posts"}});
  metrics.Observe("t_seconds", {}, 0.003);
  const auto text = metrics.Render();
  CHECK(text.find("# TYPE t_requests_total counter\n") != std::string::npos);
  CHECK(text.find("t_requests_total{route=\"/posts\"} 2\n") != std::string::npos);
  CHECK(text.find("t_seconds_bucket{le=\"0.0025\"} 0\n") != std::string::npos);
  CHECK(text.find("t_seconds_bucket{le=\"0.005\"} 1\n") != std::string::npos);
  CHECK(text.find("t_seconds_count 1\n") != std::string::npos);
  CHECK(metrics.Value("t_requests_total", {{"route", "/posts"}}) == 2);
}

// blogctl top's figures from two snapshots, and its refusals of bad input (no servers needed).
#include "top_view.hpp"

#include <fstream>

#include <catch2/catch.hpp>

#include "blogctl_run.hpp"

using blog::ConsumerState;
using blog::ctl::InstanceScrape;
using blog::ctl::ParseExposition;
using blog::ctl::ParseTarget;
using blog::ctl::TopSnapshot;
using blog::test::Ctl;

namespace {

InstanceScrape Instance(const std::string& target, const std::string& metrics) {
  return {ParseTarget(target),
          metrics.empty() ? std::nullopt : std::optional(ParseExposition(metrics))};
}

std::string CommentsMetrics(int requests, int errors, int acked) {
  return "blog_http_requests_total{method=\"POST\",route=\"/posts/{id}/"
         "comments\",status=\"201\"} " +
         std::to_string(requests) +
         "\nblog_http_requests_total{method=\"POST\",route=\"/posts/{id}/"
         "comments\",status=\"503\"} " +
         std::to_string(errors) +
         "\nblog_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"} 500"
         "\nblog_events_acked_total{consumer=\"comments-PostCreated\"} " +
         std::to_string(acked) + "\nblog_outbox_backlog 3\nblog_outbox_oldest_age_seconds 75\n";
}

}  // namespace

TEST_CASE("blogctl top turns two refreshes into rates over the replicas that answered both",
          "[blogctl]") {
  TopSnapshot before;
  before.at = std::chrono::steady_clock::time_point(std::chrono::seconds(100));
  before.instances = {Instance("comments=h:1", CommentsMetrics(10, 1, 5)),
                      Instance("comments-2=h:2", CommentsMetrics(50, 0, 50)),
                      Instance("moderation=h:3", "blog_events_published_total 7\n")};
  TopSnapshot now;
  now.at = before.at + std::chrono::seconds(2);
  // comments: +20 requests (+4 of them 503) and +10 acks; comments-2 restarted (counters
  // went down) adds nothing; moderation stopped answering.
  now.instances = {Instance("comments=h:1", CommentsMetrics(30, 5, 15)),
                   Instance("comments-2=h:2", CommentsMetrics(1, 0, 1)),
                   Instance("moderation=h:3", "")};
  ConsumerState pending;
  pending.name = "moderation-CommentCreated";
  pending.config.durable = pending.name;
  pending.pending = 42;
  now.consumers = {pending};
  now.dead_letters = {{"moderation-CommentCreated", 2}};

  const auto services = blog::ctl::ServiceRows(now, &before);
  REQUIRE(services.size() == 2);  // services without any instance are left out
  CHECK(services[0].service == "comments");
  CHECK(services[0].up == 2);
  CHECK(services[0].instances == 2);
  CHECK(*services[0].requests_per_s == Approx(12.0));  // (20 + 4) / 2 s; /metrics not counted
  CHECK(*services[0].errors_per_s == Approx(2.0));
  CHECK(services[0].outbox == 3);
  CHECK(services[0].outbox_age_s == 75);
  CHECK(services[1].service == "moderation");
  CHECK(services[1].up == 0);
  CHECK_FALSE(services[1].published_per_s.has_value());

  const auto consumers = blog::ctl::ConsumerRows(now, &before);
  REQUIRE(consumers.size() == 6);  // the catalog's consumers, by name
  CHECK(consumers[1].consumer == "comments-PostCreated");
  CHECK(*consumers[1].acked_per_s == Approx(5.0));
  CHECK(consumers[1].note == "missing: comments has not started");
  CHECK(consumers[2].consumer == "moderation-CommentCreated");
  CHECK(consumers[2].state->pending == 42);
  CHECK(consumers[2].dead_letters == 2);
  CHECK(consumers[2].note == "moderation is down");

  // The first refresh has no rates yet.
  CHECK_FALSE(blog::ctl::ServiceRows(now, nullptr)[0].requests_per_s.has_value());
  const auto screen = blog::ctl::RenderTop(now, &before, "title");
  CHECK(screen.find("comments    2/2  12.0    2.0") != std::string::npos);
  CHECK(screen.find("1m15s") != std::string::npos);
}

TEST_CASE("blogctl top refuses bad targets and explains a missing topology file", "[blogctl]") {
  unsetenv("BLOG_TARGETS");
  const auto none = Ctl({"top"});
  CHECK(none.code == 2);
  CHECK(none.err.find("--targets FILE") != std::string::npos);
  CHECK(Ctl({"top", "posts=nowhere"}).code == 2);
  CHECK(Ctl({"top", "http://127.0.0.1:4000/posts"}).code == 2);
  CHECK(Ctl({"top", "posts=127.0.0.1:4000", "--interval-ms", "5"}).code == 2);
  const auto missing = Ctl({"top", "--targets", "/nonexistent/targets.json"});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("cannot read the topology file /nonexistent/targets.json") !=
        std::string::npos);
  const std::string bad = "/tmp/blogctl-top-bad-targets.json";
  std::ofstream(bad) << R"([{"targets": ["no-port"]}])";
  const auto shape = Ctl({"top", "--targets", bad});
  CHECK(shape.code == 1);
  CHECK(shape.err.find("a target is not \"HOST:PORT\"") != std::string::npos);
  std::remove(bad.c_str());
}

TEST_CASE("blogctl top names an instance by service, replica or address", "[blogctl]") {
  const auto replica = ParseTarget("comments-2=127.0.0.1:4001");
  CHECK(replica.service == "comments");
  CHECK(replica.name == "comments-2");
  CHECK(replica.port == 4001);
  const auto url = ParseTarget("http://localhost:4002/metrics");
  CHECK(url.host == "localhost");
  CHECK(url.service == "localhost:4002");
}

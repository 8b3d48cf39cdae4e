// Every service's /metrics is valid Prometheus text, and its counters move with real traffic.
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "blog_system.hpp"
#include "exposition.hpp"

using blog::ctl::Exposition;
using blog::test::BlogSystem;
using blog::test::Eventually;
using blog::test::Http;
using Labels = std::map<std::string, std::string>;
using namespace std::chrono_literals;

namespace {

Exposition Scrape(BlogSystem& blog, const std::string& service) {
  const auto r = Http(blog.Port(service), "GET", "/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.headers.at("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  INFO(service << " /metrics:\n" << r.body);
  Exposition parsed;
  REQUIRE_NOTHROW(parsed = blog::ctl::ParseExposition(r.body));
  return parsed;
}

// Each sample belongs to a family with # TYPE and # HELP; counters end in _total; each
// histogram's buckets are cumulative and its +Inf bucket equals its count.
void CheckWellFormed(const std::string& service, const Exposition& e) {
  INFO(service);
  std::map<std::string, std::vector<const blog::ctl::Sample*>> buckets;  // series -> buckets
  for (const auto& s : e.samples) {
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string base = s.name.substr(0, s.name.size() - std::string(suffix).size());
      if (s.name.size() > std::string(suffix).size() &&
          s.name.compare(s.name.size() - std::string(suffix).size(), std::string::npos, suffix) ==
              0 &&
          e.types.count(base) > 0 && e.types.at(base) == "histogram") {
        family = base;
      }
    }
    INFO(s.name);
    REQUIRE(e.types.count(family) == 1);
    CHECK(e.help.count(family) == 1);
    if (e.types.at(family) == "counter") CHECK(family.size() > 6);
    if (e.types.at(family) == "counter") CHECK(family.substr(family.size() - 6) == "_total");
    if (s.name == family + "_bucket") {
      auto labels = s.labels;
      labels.erase("le");
      std::string key = family;
      for (const auto& [k, v] : labels) key += "," + k + "=" + v;
      buckets[key].push_back(&s);
    }
  }
  for (const auto& [series, list] : buckets) {
    INFO(series);
    REQUIRE(list.back()->labels.at("le") == "+Inf");
    for (std::size_t i = 1; i < list.size(); ++i) CHECK(list[i]->value >= list[i - 1]->value);
    const auto family = series.substr(0, series.find(','));
    auto labels = list.back()->labels;
    labels.erase("le");
    CHECK(e.Sum(family + "_count", labels) == list.back()->value);
  }
}

}  // namespace

TEST_CASE("metrics of every service parse and their counters move after a post and a comment",
          "[e2e][metrics]") {
  BlogSystem blog;
  std::map<std::string, Exposition> before;
  for (const auto& s : blog::test::kServices) before[s] = Scrape(blog, s);

  const auto post = blog.CreatePost("Measured");
  const auto created = blog.AddComment(post, "I like apples");
  REQUIRE(created.status == 201);
  const auto list = blog::test::ParseJson(created.body);
  const std::string comment = list[0]["id"].GetString();
  REQUIRE(Eventually([&] { return blog.QueryStatus(post, comment) == "approved"; }));
  // QueryStatus itself gets 404 while the post is on its way to the read model: count one known
  // 404 between two scrapes.
  const Labels not_found{{"method", "GET"}, {"route", "/posts/{id}"}, {"status", "404"}};
  const double not_found_before = Scrape(blog, "query").Sum("blog_http_requests_total", not_found);
  CHECK(Http(blog.Port("query"), "GET", "/posts/00000000-0000-4000-8000-000000000000").status ==
        404);
  CHECK(Scrape(blog, "query").Sum("blog_http_requests_total", not_found) - not_found_before == 1);

  const auto delta = [&](const std::string& service, const std::string& name,
                         const Labels& labels) {
    return Scrape(blog, service).Sum(name, labels) - before[service].Sum(name, labels);
  };
  // The last acknowledgement is counted just after the commit the query read model shows.
  CHECK(Eventually([&] {
    return delta("query", "blog_events_acked_total", {{"consumer", "query-CommentUpdated"}}) == 1;
  }));

  // HTTP: requests by route and status, with the latency histogram.
  CHECK(delta("posts", "blog_http_requests_total",
              {{"method", "POST"}, {"route", "/posts/create"}, {"status", "201"}}) == 1);
  CHECK(delta("posts", "blog_http_request_duration_seconds_count", {{"route", "/posts/create"}}) ==
        1);
  CHECK(delta("comments", "blog_http_requests_total",
              {{"method", "POST"}, {"route", "/posts/{id}/comments"}, {"status", "201"}}) == 1);

  // Reads: a repeated GET is answered from the read cache once the read model is quiet.
  CHECK(Eventually([&] {
    for (int i = 0; i < 3; ++i) Http(blog.Port("query"), "GET", "/posts/" + post);
    return delta("query", "blog_query_cache_hits_total", {}) >= 2;
  }));
  CHECK(delta("query", "blog_query_cache_misses_total", {}) >= 1);
  CHECK(delta("query", "blog_query_cache_invalidations_total", {}) >= 1);
  CHECK(Scrape(blog, "query").Sum("blog_query_cache_entries") >= 1);

  // Events: published by each producer, consumed and acked by each consumer, none lost.
  CHECK(delta("posts", "blog_events_published_total", {}) == 1);
  CHECK(delta("comments", "blog_events_published_total", {}) == 2);
  CHECK(delta("moderation", "blog_events_published_total", {}) == 1);
  const std::map<std::string, std::vector<std::string>> consumers = {
      {"comments", {"comments-PostCreated", "comments-CommentModerated"}},
      {"moderation", {"moderation-CommentCreated"}},
      {"query", {"query-PostCreated", "query-CommentCreated", "query-CommentUpdated"}}};
  for (const auto& [service, names] : consumers) {
    for (const auto& consumer : names) {
      INFO(consumer);
      const Labels labels{{"consumer", consumer}};
      CHECK(delta(service, "blog_events_consumed_total", labels) == 1);
      CHECK(delta(service, "blog_events_acked_total", labels) == 1);
      CHECK(delta(service, "blog_handler_duration_seconds_count", labels) == 1);
      CHECK(delta(service, "blog_event_age_seconds_count", labels) == 1);
      CHECK(delta(service, "blog_events_nakd_total", labels) == 0);
      CHECK(delta(service, "blog_events_dead_lettered_total", labels) == 0);
    }
  }
  // The outbox drains: nothing left behind, and its oldest-row age is back to 0.
  for (const auto* service : {"posts", "comments", "moderation"}) {
    INFO(service);
    CHECK(Eventually([&] { return Scrape(blog, service).Sum("blog_outbox_backlog") == 0; }));
    CHECK(Scrape(blog, service).Sum("blog_outbox_oldest_age_seconds") == 0);
  }
  for (const auto& s : blog::test::kServices) CheckWellFormed(s, Scrape(blog, s));
}

// METRICS_PORT is what a NetworkPolicy opens to the monitoring namespace (k8s/base): it must serve
// the metrics and no other route of the service.
TEST_CASE("a service's metrics port serves /metrics and no other route", "[e2e][metrics]") {
  BlogSystem blog;
  const int metrics_port = blog::test::FreePort();
  REQUIRE(blog.Stop("query") == 0);
  blog.Start("query", {{"METRICS_PORT", std::to_string(metrics_port)}});
  REQUIRE(blog.WaitReady("query"));

  const auto r = Http(metrics_port, "GET", "/metrics");
  REQUIRE(r.status == 200);
  const auto metrics = blog::ctl::ParseExposition(r.body);
  CHECK(metrics.types.count("blog_consumer_pending") == 1);
  CHECK(metrics.types.count("blog_http_requests_total") == 1);
  for (const auto* path :
       {"/posts", "/posts/00000000-0000-4000-8000-000000000000", "/healthz", "/readyz", "/"}) {
    INFO(path);
    CHECK(Http(metrics_port, "GET", path).status == 404);
  }
  CHECK(Http(metrics_port, "POST", "/metrics", "{}").status == 405);
  // The API port keeps serving the API, metrics included.
  CHECK(Http(blog.Port("query"), "GET", "/posts").status == 200);
  CHECK(Http(blog.Port("query"), "GET", "/metrics").status == 200);
}

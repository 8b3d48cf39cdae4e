// The alert rules in a real Prometheus against the real services: with moderation stopped the
// consumer lag alert goes pending and firing, and it resolves once moderation is back and has
// drained; the firing alert reaches Alertmanager, routed to the receiver of its severity.
// Prometheus runs through scripts/monitoring with 1 s intervals and rules derived from
// deploy/monitoring/alerts.yaml with `for: 5s`.
#include <set>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "monitoring_support.hpp"

using blog::test::BlogSystem;
using blog::test::Eventually;
using blog::test::Shell;

namespace {

// Prometheus and Alertmanager for one test, stopped at the end.
class Prometheus {
 public:
  Prometheus(BlogSystem& blog, const std::filesystem::path& dir)
      : dir_(dir), port_(blog::test::FreePort()), alertmanager_port_(blog::test::FreePort()) {
    REQUIRE(blog::test::WriteTargets(blog, dir) == 0);
    REQUIRE(Shell("PROMETHEUS_PORT=" + std::to_string(port_) +
                  " ALERTMANAGER_PORT=" + std::to_string(alertmanager_port_) +
                  " PROMETHEUS_SCRAPE_INTERVAL=1s PROMETHEUS_EVAL_INTERVAL=1s"
                  " PROMETHEUS_ALERT_FOR=5s " +
                  blog::test::MonitoringScript() + " start " + dir.string()) == 0);
  }
  ~Prometheus() { Shell(blog::test::MonitoringScript() + " stop " + dir_.string()); }
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;
  Prometheus(Prometheus&&) = delete;
  Prometheus& operator=(Prometheus&&) = delete;

  bool AllTargetsUp() const {
    return Shell(blog::test::MonitoringScript() + " wait-up " + dir_.string() + " 30") == 0;
  }

  // The state ("pending", "firing") of each active alert `name` whose `label` is `value`.
  std::set<std::string> AlertStates(const std::string& name, const std::string& label,
                                    const std::string& value) const {
    const auto r = blog::test::Http(port_, "GET", "/api/v1/alerts");
    std::set<std::string> states;
    if (r.status != 200) return states;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    if (doc.HasParseError() || !doc.HasMember("data")) return states;
    for (const auto& alert : doc["data"]["alerts"].GetArray()) {
      const auto& labels = alert["labels"];
      if (labels["alertname"] == name.c_str() && labels.HasMember(label.c_str()) &&
          labels[label.c_str()] == value.c_str()) {
        states.insert(alert["state"].GetString());
      }
    }
    return states;
  }

  std::string Alerts() const { return blog::test::Http(port_, "GET", "/api/v1/alerts").body; }

  // The receivers Alertmanager routed the active alert `name` whose `label` is `value` to.
  std::set<std::string> Receivers(const std::string& name, const std::string& label,
                                  const std::string& value) const {
    const auto r = blog::test::Http(alertmanager_port_, "GET", "/api/v2/alerts?active=true");
    std::set<std::string> receivers;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    if (r.status != 200 || doc.HasParseError() || !doc.IsArray()) return receivers;
    for (const auto& alert : doc.GetArray()) {
      const auto& labels = alert["labels"];
      if (labels["alertname"] == name.c_str() && labels.HasMember(label.c_str()) &&
          labels[label.c_str()] == value.c_str()) {
        for (const auto& receiver : alert["receivers"].GetArray()) {
          receivers.insert(receiver["name"].GetString());
        }
      }
    }
    return receivers;
  }

 private:
  std::filesystem::path dir_;
  int port_;
  int alertmanager_port_;
};

}  // namespace

TEST_CASE("with moderation stopped the consumer lag alert fires in Prometheus, then resolves",
          "[prometheus]") {
  BlogSystem blog;
  blog::test::TestDir dir;
  Prometheus prometheus(blog, dir.path);
  REQUIRE(prometheus.AllTargetsUp());
  const auto lag = [&] {
    return prometheus.AlertStates("BlogConsumerFallingBehind", "consumer",
                                  "moderation-CommentCreated");
  };
  CHECK(lag().empty());

  REQUIRE(blog.Stop("moderation") == 0);
  const auto post = blog.CreatePost("Alerting");
  std::vector<std::string> comments;
  for (int i = 0; i < 5; ++i) {
    const auto r = blog.AddComment(post, "comment " + std::to_string(i));
    REQUIRE(r.status == 201);
    comments.push_back(blog::test::ParseJson(r.body)[i]["id"].GetString());
  }
  // The backlog grows while nobody consumes: pending first (for: 5s), then firing.
  std::set<std::string> seen;
  const auto reaches = [&](const std::string& state) {
    return Eventually(
        [&] {
          const auto now = lag();
          seen.insert(now.begin(), now.end());
          return now.count(state) > 0;
        },
        std::chrono::seconds(60));
  };
  INFO("alerts: " << prometheus.Alerts());
  CHECK(reaches("pending"));
  REQUIRE(reaches("firing"));
  // Prometheus hands the firing alert to Alertmanager, which routes a warning to blog-warning.
  CHECK(Eventually(
      [&] {
        return prometheus.Receivers("BlogConsumerFallingBehind", "consumer",
                                    "moderation-CommentCreated") ==
               std::set<std::string>{"blog-warning"};
      },
      std::chrono::seconds(30)));
  // Moderation's own target is down too.
  CHECK(Eventually(
      [&] { return !prometheus.AlertStates("BlogServiceDown", "service", "moderation").empty(); },
      std::chrono::seconds(30)));

  blog.Start("moderation");
  REQUIRE(blog.WaitReady("moderation"));
  CHECK(Eventually([&] { return blog.QueryStatus(post, comments.back()) == "approved"; },
                   std::chrono::seconds(30)));
  // Drained: the alert resolves (leaves the list of active alerts).
  CHECK(Eventually([&] { return lag().empty(); }, std::chrono::seconds(60)));
  CHECK(seen.count("pending") == 1);
}

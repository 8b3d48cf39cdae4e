#include "top_view.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "common/catalog.hpp"
#include "common/listener.hpp"

#include "output.hpp"

namespace blog::ctl {
namespace {

// Requests to the API; scrapes and probes are not traffic.
bool IsApiRoute(const std::string& route) {
  return route != "/metrics" && route != "/healthz" && route != "/readyz";
}

double HttpRequests(const Exposition& e, bool errors_only) {
  double total = 0;
  for (const auto& s : e.samples) {
    if (s.name != "blog_http_requests_total") continue;
    const auto route = s.labels.find("route");
    if (route != s.labels.end() && !IsApiRoute(route->second)) continue;
    const auto status = s.labels.find("status");
    if (errors_only && (status == s.labels.end() || status->second.rfind('5', 0) != 0)) continue;
    total += s.value;
  }
  return total;
}

const Exposition* Find(const TopSnapshot& snapshot, const Target& target) {
  for (const auto& i : snapshot.instances) {
    if (i.target.host == target.host && i.target.port == target.port && i.metrics) {
      return &*i.metrics;
    }
  }
  return nullptr;
}

// The rate of a counter summed over the instances for which `select` is true, from the
// instances answering in both snapshots (nullopt when none does); a restarted instance (counter
// went down) adds nothing.
template <typename Select, typename Value>
std::optional<double> Rate(const TopSnapshot& now, const TopSnapshot* before, Select select,
                           Value value) {
  if (before == nullptr) return std::nullopt;
  const double seconds = std::chrono::duration<double>(now.at - before->at).count();
  if (seconds <= 0) return std::nullopt;
  double delta = 0;
  bool any = false;
  for (const auto& i : now.instances) {
    if (!i.metrics || !select(i.target)) continue;
    const Exposition* old = Find(*before, i.target);
    if (old == nullptr) continue;
    delta += std::max(0.0, value(*i.metrics) - value(*old));
    any = true;
  }
  if (!any) return std::nullopt;
  return delta / seconds;
}

std::string Rate(const std::optional<double>& r) {
  if (!r) return "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f", *r);
  return text;
}

std::string Count(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.0f", value);
  return text;
}

}  // namespace

std::string FormatAge(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (s < 60) {
    std::snprintf(text, sizeof(text), "%llds", s);
  } else if (s < 3600) {
    std::snprintf(text, sizeof(text), "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof(text), "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return text;
}

std::vector<ServiceRow> ServiceRows(const TopSnapshot& now, const TopSnapshot* before) {
  std::vector<std::string> order = CatalogServices();
  for (const auto& i : now.instances) {
    if (std::find(order.begin(), order.end(), i.target.service) == order.end()) {
      order.push_back(i.target.service);
    }
  }
  std::vector<ServiceRow> rows;
  for (const auto& service : order) {
    ServiceRow row;
    row.service = service;
    for (const auto& i : now.instances) {
      if (i.target.service != service) continue;
      ++row.instances;
      if (!i.metrics) continue;
      ++row.up;
      // Replicas share one database, hence one outbox: the largest report is the truth.
      row.outbox = std::max(row.outbox, i.metrics->Max("blog_outbox_backlog"));
      row.outbox_age_s =
          std::max(row.outbox_age_s, i.metrics->Max("blog_outbox_oldest_age_seconds"));
    }
    if (row.instances == 0) continue;
    const auto mine = [&](const Target& t) { return t.service == service; };
    row.requests_per_s =
        Rate(now, before, mine, [](const Exposition& e) { return HttpRequests(e, false); });
    row.errors_per_s =
        Rate(now, before, mine, [](const Exposition& e) { return HttpRequests(e, true); });
    row.published_per_s = Rate(now, before, mine, [](const Exposition& e) {
      return e.Sum("blog_events_published_total");
    });
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ConsumerRow> ConsumerRows(const TopSnapshot& now, const TopSnapshot* before) {
  std::set<std::string> names;
  for (const auto& e : EventCatalog()) {
    for (const auto& service : e.consumers) names.insert(ConsumerName(service, e.type));
  }
  for (const auto& c : now.consumers) {
    if (c.durable()) names.insert(c.name);
  }
  std::vector<ConsumerRow> rows;
  for (const auto& name : names) {
    ConsumerRow row;
    row.consumer = name;
    for (const auto& c : now.consumers) {
      if (c.name == name) row.state = c;
    }
    if (const auto it = now.dead_letters.find(name); it != now.dead_letters.end()) {
      row.dead_letters = it->second;
    }
    const std::string service = name.substr(0, name.find('-'));
    row.acked_per_s = Rate(
        now, before, [&](const Target& t) { return t.service == service; },
        [&](const Exposition& e) {
          return e.Sum("blog_events_acked_total", {{"consumer", name}});
        });
    int up = 0;
    int known = 0;
    for (const auto& i : now.instances) {
      if (i.target.service != service) continue;
      ++known;
      up += i.metrics ? 1 : 0;
    }
    if (!now.nats_error.empty()) {
      row.note = "NATS not read";
    } else if (!row.state) {
      row.note = "missing: " + service + " has not started";
    } else if (known > 0 && up == 0) {
      row.note = service + " is down";
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string RenderTop(const TopSnapshot& now, const TopSnapshot* before, const std::string& title) {
  std::ostringstream out;
  out << title << "\n\n";
  Table services({"SERVICE", "UP", "HTTP/s", "5XX/s", "PUBLISHED/s", "OUTBOX", "OUTBOX AGE"});
  for (const auto& r : ServiceRows(now, before)) {
    services.Add({r.service, std::to_string(r.up) + "/" + std::to_string(r.instances),
                  Rate(r.requests_per_s), Rate(r.errors_per_s), Rate(r.published_per_s),
                  r.up > 0 ? Count(r.outbox) : "-", r.up > 0 ? FormatAge(r.outbox_age_s) : "-"});
  }
  services.Print(out);
  out << "\n";
  Table consumers(
      {"CONSUMER", "ACKED/s", "PENDING", "ACK PENDING", "REDELIVERED", "DEAD LETTERS", "NOTE"});
  for (const auto& r : ConsumerRows(now, before)) {
    const auto n = [&](auto value) { return r.state ? std::to_string(value) : std::string("-"); };
    consumers.Add({r.consumer, Rate(r.acked_per_s), n(r.state ? r.state->pending : 0),
                   n(r.state ? r.state->ack_pending : 0), n(r.state ? r.state->redelivered : 0),
                   std::to_string(r.dead_letters), r.note});
  }
  consumers.Print(out);
  if (!now.nats_error.empty()) out << "\nNATS: " << now.nats_error << "\n";
  return out.str();
}

}  // namespace blog::ctl

// What `blogctl top` shows, computed from two snapshots of the system: per service, its
// instances up, request, error and publish rates and its outbox; per durable consumer, its
// acknowledgement rate, backlog, redeliveries and dead letters. Pure functions of their inputs
// (the command gathers the snapshots), so the screen is tested without timing.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/jetstream.hpp"

#include "exposition.hpp"
#include "targets.hpp"

namespace blog::ctl {

struct InstanceScrape {
  Target target;
  std::optional<Exposition> metrics;  // nullopt: /metrics did not answer
};

struct TopSnapshot {
  std::chrono::steady_clock::time_point at;
  std::vector<InstanceScrape> instances;
  std::vector<ConsumerState> consumers;               // durable consumers of stream BLOG
  std::map<std::string, std::uint64_t> dead_letters;  // consumer -> messages on BLOG_DLQ
  std::string nats_error;                             // non-empty: NATS could not be read
};

struct ServiceRow {
  std::string service;
  int up = 0;
  int instances = 0;
  std::optional<double> requests_per_s;  // nullopt: no rate yet (first refresh)
  std::optional<double> errors_per_s;    // 5xx
  std::optional<double> published_per_s;
  double outbox = 0;
  double outbox_age_s = 0;
};

struct ConsumerRow {
  std::string consumer;
  std::optional<double> acked_per_s;
  std::optional<ConsumerState> state;  // nullopt: the server has no such consumer
  std::uint64_t dead_letters = 0;
  std::string note;
};

// Services in pipeline order, then any other.
std::vector<ServiceRow> ServiceRows(const TopSnapshot& now, const TopSnapshot* before);
// The catalog's consumers and any other durable one, by name.
std::vector<ConsumerRow> ConsumerRows(const TopSnapshot& now, const TopSnapshot* before);

// The whole screen as text: a title line, the service table, the consumer table.
std::string RenderTop(const TopSnapshot& now, const TopSnapshot* before, const std::string& title);

// "0s", "42s", "3m04s", "2h05m".
std::string FormatAge(double seconds);

}  // namespace blog::ctl

// Internal: the gauges that cost a request to NATS or PostgreSQL, kept current by a thread of
// their own so that a scrape never waits for either server, plus the ones read from memory.
//
// Every `interval` the thread pings PostgreSQL (blog_db_up) and refreshes each watched consumer
// (consumer_metrics.hpp: one consumer info request each, one dead-letter count, and the read
// model lag while behind). Failures keep the last values and are logged at most once a minute.
// On each scrape a collector reads the database pool (blog_db_pool_*) and the NATS connection
// (blog_nats_connected, blog_nats_reconnects_total). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/database.hpp"
#include "common/nats_client.hpp"

#include "consumer_metrics.hpp"

namespace blog {

class MetricsRefresher {
 public:
  MetricsRefresher(Database& db, NatsClient& nats, std::chrono::milliseconds interval);
  ~MetricsRefresher();
  MetricsRefresher(const MetricsRefresher&) = delete;
  MetricsRefresher& operator=(const MetricsRefresher&) = delete;
  MetricsRefresher(MetricsRefresher&&) = delete;
  MetricsRefresher& operator=(MetricsRefresher&&) = delete;

  // Replaces the consumers refreshed from the next round on (none at first).
  void Watch(std::vector<WatchedConsumer> consumers);
  void Start();
  void Stop();
  // One round on the calling thread.
  void RefreshNow();

 private:
  void Run();

  Database& db_;
  NatsClient& nats_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<WatchedConsumer> consumers_;  // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::chrono::steady_clock::time_point last_warning_{};
  // What the scrape collector reads; emptied by the destructor (the collector outlives us).
  struct Sources;
  std::shared_ptr<Sources> sources_;
  std::thread thread_;
};

// The consumers a service should watch: its own (`own`, with `read_model` as given) and the
// consumers of every event type it publishes (from the event catalog), so that a consumer's
// backlog stays visible while its own service is down.
std::vector<WatchedConsumer> ConsumersToWatch(std::string_view service,
                                              std::vector<WatchedConsumer> own);

}  // namespace blog

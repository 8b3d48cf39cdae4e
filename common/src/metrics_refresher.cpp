#include "metrics_refresher.hpp"

#include <algorithm>

#include "common/catalog.hpp"
#include "common/listener.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

void CollectConnectionGauges(Database& db, NatsClient& nats) {
  auto& metrics = Metrics::Global();
  const auto pool = db.Stats();
  metrics.Set("blog_db_pool_size", {}, pool.size);
  metrics.Set("blog_db_pool_in_use", {}, pool.in_use);
  metrics.Set("blog_db_pool_waiting", {}, pool.waiting);
  metrics.Set("blog_nats_connected", {}, nats.Connected() ? 1 : 0);
  natsStatistics* stats = nullptr;
  if (natsStatistics_Create(&stats) != NATS_OK) return;
  std::uint64_t reconnects = 0;
  if (natsConnection_GetStats(NatsAccess::Of(nats).connection, stats) == NATS_OK &&
      natsStatistics_GetCounts(stats, nullptr, nullptr, nullptr, nullptr, &reconnects) == NATS_OK) {
    metrics.Set("blog_nats_reconnects_total", {}, static_cast<double>(reconnects));
  }
  natsStatistics_Destroy(stats);
}

}  // namespace

std::vector<WatchedConsumer> ConsumersToWatch(std::string_view service,
                                              std::vector<WatchedConsumer> own) {
  std::vector<WatchedConsumer> out = std::move(own);
  for (const auto& type : PublishedBy(service)) {
    const auto* event = FindEvent(type);
    if (event == nullptr) continue;
    for (const auto& consumer_service : event->consumers) {
      WatchedConsumer c{ConsumerName(consumer_service, type), event->subject, false};
      const bool known = std::any_of(out.begin(), out.end(),
                                     [&](const WatchedConsumer& o) { return o.name == c.name; });
      if (!known) out.push_back(std::move(c));
    }
  }
  return out;
}

struct MetricsRefresher::Sources {
  std::mutex mutex;
  Database* db = nullptr;
  NatsClient* nats = nullptr;
};

MetricsRefresher::MetricsRefresher(Database& db, NatsClient& nats,
                                   std::chrono::milliseconds interval)
    : db_(db), nats_(nats), interval_(interval), sources_(std::make_shared<Sources>()) {
  sources_->db = &db;
  sources_->nats = &nats;
  Metrics::Global().AddCollector([sources = sources_] {
    const std::lock_guard lock(sources->mutex);
    if (sources->db != nullptr) CollectConnectionGauges(*sources->db, *sources->nats);
  });
}

MetricsRefresher::~MetricsRefresher() {
  Stop();
  const std::lock_guard lock(sources_->mutex);
  sources_->db = nullptr;
  sources_->nats = nullptr;
}

void MetricsRefresher::Watch(std::vector<WatchedConsumer> consumers) {
  const std::lock_guard lock(mutex_);
  consumers_ = std::move(consumers);
}

void MetricsRefresher::Start() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void MetricsRefresher::Stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MetricsRefresher::RefreshNow() {
  Metrics::Global().Set("blog_db_up", {}, db_.Ping() ? 1 : 0);
  std::vector<WatchedConsumer> consumers;
  {
    const std::lock_guard lock(mutex_);
    consumers = consumers_;
  }
  if (!nats_.Connected()) return;  // reported by blog_nats_connected; keep the last values
  for (const auto& consumer : consumers) {
    try {
      RefreshConsumerGauges(nats_, consumer);
    } catch (const std::exception& e) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warning_ > std::chrono::minutes(1)) {
        log::Warn("consumer metrics not refreshed",
                  {{"consumer", consumer.name}, {"error", e.what()}});
        last_warning_ = now;
      }
    }
  }
}

void MetricsRefresher::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    RefreshNow();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace blog

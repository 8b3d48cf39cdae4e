#include "common/service.hpp"

#include <csignal>
#include <cstdlib>
#include <thread>

#include "common/errors.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include "metrics_refresher.hpp"

namespace blog {
namespace {

constexpr auto kRetryStartup = std::chrono::seconds(1);

void DescribeMetrics() {
  auto& m = Metrics::Global();
  m.Describe("blog_http_requests_total", "counter", "HTTP requests by method, route and status.");
  m.Describe("blog_http_request_duration_seconds", "histogram", "HTTP request latency by route.");
  m.Describe("blog_events_consumed_total", "counter", "Events fetched, per durable consumer.");
  m.Describe("blog_events_acked_total", "counter", "Events applied and acked, per consumer.");
  m.Describe("blog_events_duplicate_total", "counter", "Duplicates skipped by the inbox.");
  m.Describe("blog_events_nakd_total", "counter", "Events handed back for a later retry.");
  m.Describe("blog_events_dead_lettered_total", "counter", "Events moved to BLOG_DLQ.");
  m.Describe("blog_events_published_total", "counter", "Outbox events published and acked.");
  m.Describe("blog_handler_duration_seconds", "histogram", "Time to apply one event.");
  m.Describe("blog_event_age_seconds", "histogram", "Age of an event when consumed.");
  m.Describe("blog_outbox_backlog", "gauge", "Outbox rows not yet published.");
  m.Describe("blog_outbox_oldest_age_seconds", "gauge", "Age of the oldest outbox row.");
  m.Describe("blog_consumer_pending", "gauge",
             "Events stored for a durable consumer and not yet delivered (server's view).");
  m.Describe("blog_consumer_ack_pending", "gauge",
             "Events delivered to a durable consumer and not yet acknowledged.");
  m.Describe("blog_consumer_redelivered", "gauge",
             "Events delivered more than once to a consumer and not yet acknowledged.");
  m.Describe("blog_dead_letters", "gauge", "Dead letters of a consumer stored on BLOG_DLQ.");
  m.Describe("blog_db_up", "gauge", "1 when the last PostgreSQL ping succeeded, else 0.");
  m.Describe("blog_db_pool_size", "gauge", "Most connections the PostgreSQL pool opens.");
  m.Describe("blog_db_pool_in_use", "gauge", "PostgreSQL pool connections in use.");
  m.Describe("blog_db_pool_waiting", "gauge", "Callers waiting for a PostgreSQL connection.");
  m.Describe("blog_nats_connected", "gauge", "1 while connected to NATS, else 0.");
  m.Describe("blog_nats_reconnects_total", "counter", "Reconnections to NATS since start.");
  m.Describe("blog_idempotency_requests_total", "counter",
             "Requests with an Idempotency-Key: stored, replayed, mismatch (422), in_progress "
             "(409).");
}

void DescribeReadModelMetrics() {
  auto& m = Metrics::Global();
  m.Describe("blog_read_model_lag_sequences", "gauge",
             "Last stream sequence of a consumer's subject minus the last one applied.");
  m.Describe("blog_read_model_lag_seconds", "gauge",
             "Age of the oldest event of a consumer's subject not yet applied (0: caught up).");
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

Service::Service(blog::Config config, std::vector<Migration> migrations)
    : config_(std::move(config)), migrations_(std::move(migrations)) {
  DescribeMetrics();
  db_ =
      std::make_unique<Database>(config_.database_url, config_.db_pool_size, "/" + config_.service);
  nats_ = std::make_unique<NatsClient>(config_.nats);
  context_ = std::make_unique<ListenerContext>(
      ListenerContext{config_.service, *nats_, *db_, config_.listener, false});
  relay_ = std::make_unique<OutboxRelay>(*db_, *nats_, config_.service);
  db_->OnOutboxCommit([relay = relay_.get()] { relay->Wake(); });
  idempotency_ = std::make_unique<Idempotency>(*db_, config_.idempotency_ttl);
  refresher_ = std::make_unique<MetricsRefresher>(*db_, *nats_, config_.metrics_refresh);
  AddOperationalRoutes();
}

Service::~Service() = default;

void Service::MeasureReadModelLag() {
  DescribeReadModelMetrics();
  read_model_ = true;
}

bool Service::WaitForStop(std::chrono::milliseconds duration) {
  std::unique_lock lock(stop_mutex_);
  return stop_signalled_.wait_for(lock, duration, [&] { return stop_signal_ != 0; });
}

template <typename Fn>
bool Service::RetryUntilAvailable(std::string_view what, Fn&& fn) {
  for (int attempt = 1;; ++attempt) {
    try {
      fn();
      return true;
    } catch (const UnavailableError& e) {
      if (attempt == 1 || attempt % 10 == 0) {
        log::Warn(
            "waiting for a dependency",
            {{"dependency", what}, {"attempt", std::to_string(attempt)}, {"error", e.what()}});
      }
      if (WaitForStop(kRetryStartup)) return false;
    }
  }
}

void Service::AddOperationalRoutes() {
  router_.Add("GET", "/healthz",
              [](const HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})"); });
  router_.Add("GET", "/readyz", [this](const HttpRequest&) {
    if (draining_) return ErrorResponse(503, "shutting down");
    if (!started_) return ErrorResponse(503, "starting: waiting for PostgreSQL and NATS");
    if (!nats_->Connected()) return ErrorResponse(503, "nats unreachable");
    if (!db_->Ping()) return ErrorResponse(503, "database unreachable");
    for (const auto& l : listeners_) {
      if (!l->Bound()) return ErrorResponse(503, "consumer " + l->ConsumerName() + " not bound");
    }
    return HttpResponse::Json(200, R"({"status":"ready"})");
  });
  const auto metrics = [](const HttpRequest&) {
    HttpResponse response;
    response.body = Metrics::Global().Render();
    response.content_type = "text/plain; version=0.0.4";
    return response;
  };
  router_.Add("GET", "/metrics", metrics);
  metrics_router_.Add("GET", "/metrics", metrics);
}

bool Service::StartDependencies() {
  bool fresh = false;
  if (!RetryUntilAvailable("postgresql",
                           [&] { fresh = db_->Migrate(config_.service, migrations_); })) {
    return false;
  }
  // A brand-new database has no state: its consumers replay from the first stored event.
  context_->reset_consumers = fresh;
  const bool nats_ready = RetryUntilAvailable("nats", [&] {
    if (!nats_->WaitConnected(std::chrono::seconds(2))) {
      const std::string why = nats_->LastError();
      throw UnavailableError(why.empty() ? "not connected" : "not connected: " + why);
    }
    nats_->EnsureStreams();
  });
  if (!nats_ready) return false;
  for (auto& listener : listeners_) {
    if (!RetryUntilAvailable("nats", [&] { listener->Start(); })) return false;
  }
  relay_->Start();
  std::vector<WatchedConsumer> own;
  for (const auto& l : listeners_) own.push_back({l->ConsumerName(), l->Subject(), read_model_});
  refresher_->Watch(ConsumersToWatch(config_.service, std::move(own)));
  return true;
}

int Service::Run() {
  // Signals are blocked in every thread; this one turns them into a stop request.
  std::thread([this] {
    const int signal = WaitForShutdownSignal();
    // Notify under the lock: once the waiter sees the signal it may return, and main() then
    // destroys this Service with its condition variable, so this thread must be done with it
    // before the waiter can take the lock back (ThreadSanitizer caught a notify_all on the
    // destroyed condition variable).
    const std::lock_guard lock(stop_mutex_);
    stop_signal_ = signal;
    stop_signalled_.notify_all();
  }).detach();

  HttpServer server(HttpServerOptions{.host = "0.0.0.0",
                                      .port = config_.port,
                                      .body_limit = config_.body_limit,
                                      .cors_origins = config_.cors_origins,
                                      .admit =
                                          [this](const HttpRequest& request) {
                                            return started_.load() || request.path == "/healthz" ||
                                                   request.path == "/readyz" ||
                                                   request.path == "/metrics";
                                          }},
                    router_);
  server.Start();
  // Metrics only: a network policy can let a monitoring system reach this port and nothing else.
  std::unique_ptr<HttpServer> metrics_server;
  if (config_.metrics_port != 0) {
    HttpServerOptions options;
    options.port = config_.metrics_port;
    metrics_server = std::make_unique<HttpServer>(std::move(options), metrics_router_);
    metrics_server->Start();
  }
  refresher_->Start();
  if (StartDependencies()) {
    started_ = true;
    log::Info("service started", {{"port", std::to_string(config_.port)}});
    WaitForStop(std::chrono::hours(24 * 365 * 100));
  }

  const auto started = std::chrono::steady_clock::now();
  int signal = 0;
  {
    const std::lock_guard lock(stop_mutex_);
    signal = stop_signal_;
  }
  log::Info("shutdown started", {{"signal", std::to_string(signal)}});
  // Bound the whole drain: a stuck dependency must not keep the process alive forever.
  std::thread([timeout = config_.shutdown_timeout] {
    std::this_thread::sleep_for(timeout);
    log::Error("shutdown timed out; exiting");
    std::_Exit(1);
  }).detach();

  draining_ = true;
  refresher_->Stop();
  if (started_) std::this_thread::sleep_for(config_.shutdown_delay);
  server.Stop(config_.shutdown_timeout / 2);
  if (metrics_server) metrics_server->Stop(std::chrono::seconds(1));
  for (auto& listener : listeners_) listener->Stop();
  relay_->Stop();
  const bool flushed = started_ && relay_->Flush(config_.shutdown_timeout / 4);
  nats_->Drain(std::chrono::seconds(2));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log::Info("shutdown complete",
            {{"outbox_flushed", flushed ? "true" : "false"}, {"ms", std::to_string(ms)}});
  return 0;
}

int RunService(std::string_view name, int default_port, const std::vector<Migration>& migrations,
               const std::function<void(Service&)>& wire) {
  BlockShutdownSignals();
  try {
    Config config = Config::FromEnv(name, default_port);
    log::Init(name, log::ParseLevel(config.log_level));
    Service service(std::move(config), migrations);
    wire(service);
    return service.Run();
  } catch (const ConfigError& e) {
    log::Init(name, log::Level::kInfo);
    log::Error("invalid configuration", {{"error", e.what()}, {"setting", e.Field()}});
    return 2;
  } catch (const std::exception& e) {
    log::Error("service failed", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace blog

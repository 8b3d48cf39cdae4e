// The runtime every service shares; a service's main() only wires its parts into it:
//
//   int main() {
//     return blog::RunService("posts", 4000, kMigrations, [](blog::Service& s) {
//       blog::posts::AddRoutes(s);
//     });
//   }
//
// Start-up: configuration from the environment and JSON logs; then the HTTP port opens at once,
// with /healthz (200), /readyz and /metrics (also alone on METRICS_PORT when set), while every
// other route answers 503 until the service has started; a thread keeps the consumer, database
// and NATS gauges current (every METRICS_REFRESH_MS; docs/metrics.md); then PostgreSQL (waits
// until reachable, then migrates), NATS (waits until reachable, then makes sure the streams
// exist), the listeners and the outbox relay.
// Shutdown on SIGTERM or SIGINT, also while still waiting for a dependency, bounded by
// SHUTDOWN_TIMEOUT_MS: /readyz fails first (for SHUTDOWN_DELAY_MS, so load balancers stop
// sending), then the port refuses new requests and in-flight ones finish, listeners finish their
// current message, the outbox is flushed, and pending acks are sent; exit code 0.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/database.hpp"
#include "common/http_server.hpp"
#include "common/idempotency.hpp"
#include "common/listener.hpp"
#include "common/nats_client.hpp"
#include "common/outbox.hpp"
#include "common/router.hpp"

namespace blog {

class MetricsRefresher;  // metrics_refresher.hpp

class Service {
 public:
  // Prepares the database pool and the NATS connection without waiting for either; Run()
  // waits for them and applies `migrations`.
  Service(blog::Config config, std::vector<Migration> migrations);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  Service(Service&&) = delete;
  Service& operator=(Service&&) = delete;

  const blog::Config& Config() const { return config_; }
  Database& Db() { return *db_; }
  NatsClient& Nats() { return *nats_; }
  Router& Routes() { return router_; }
  // `handler` taking an Idempotency-Key header (idempotency.hpp), keys kept IDEMPOTENCY_TTL_MS.
  HttpHandler Idempotent(HttpHandler handler) { return idempotency_->Wrap(std::move(handler)); }

  // Adds a listener; started by Run(). `L` is a Listener<Event> subclass.
  template <typename L, typename... Args>
  L& AddListener(Args&&... args) {
    auto listener = std::make_unique<L>(*context_, std::forward<Args>(args)...);
    L& ref = *listener;
    listeners_.push_back(std::move(listener));
    return ref;
  }

  // Reports how far the read model built by this service's listeners is behind the stream
  // (blog_read_model_lag_sequences and _seconds per consumer). Call before Run().
  void MeasureReadModelLag();

  // Starts, serves until SIGTERM/SIGINT, then shuts down as described above. Returns the exit
  // code.
  int Run();

 private:
  void AddOperationalRoutes();
  // Waits for PostgreSQL and NATS, migrates, starts listeners and relay. False when a shutdown
  // signal arrived first.
  bool StartDependencies();
  // Sleeps up to `duration`; returns early (true) when a shutdown signal has arrived.
  bool WaitForStop(std::chrono::milliseconds duration);
  template <typename Fn>
  bool RetryUntilAvailable(std::string_view what, Fn&& fn);

  blog::Config config_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<NatsClient> nats_;
  std::unique_ptr<ListenerContext> context_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<Idempotency> idempotency_;
  std::vector<std::unique_ptr<ListenerBase>> listeners_;
  std::unique_ptr<MetricsRefresher> refresher_;  // after db_ and nats_: uses both
  std::vector<Migration> migrations_;
  Router router_;
  Router metrics_router_;  // METRICS_PORT: GET /metrics only
  bool read_model_ = false;
  std::atomic<bool> started_{false};
  std::atomic<bool> draining_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_signalled_;
  int stop_signal_ = 0;  // guarded by stop_mutex_
};

// Boundary for main(): builds the Service from the environment, lets `wire` add routes and
// listeners, runs it, and turns any start-up error into a log line and a non-zero exit code.
int RunService(std::string_view name, int default_port, const std::vector<Migration>& migrations,
               const std::function<void(Service&)>& wire);

// What a one-off command of a service works with: the service's configuration, its database
// (migrated) and NATS (connected, streams ensured).
struct CommandContext {
  const blog::Config& config;
  Database& db;
  NatsClient& nats;
};

// A one-off command of a service, run instead of serving (`query rebuild`). `run` writes its
// progress to stdout and throws on failure.
struct ServiceCommand {
  std::string name;     // the program's argument: "rebuild"
  std::string summary;  // one line for the usage text
  std::function<void(CommandContext&)> run;
};

// Boundary for a command: reads the configuration as RunService does, logs warnings only,
// migrates the database, connects to NATS (at most 10 s) and makes sure of the streams, runs
// `command`. Returns 0, or 1 after "<name> failed: <error>" on stderr (2 for a bad setting).
int RunCommand(std::string_view service, int default_port, const std::vector<Migration>& migrations,
               const ServiceCommand& command);

// Boundary for main() of a service that has commands: no argument, or "serve", runs
// RunService(...); the name of one of `commands` runs it through RunCommand; --help prints the
// usage (exit 0), anything else prints it to stderr (exit 2).
int RunServiceOrCommand(int argc, const char* const* argv, std::string_view name, int default_port,
                        const std::vector<Migration>& migrations,
                        const std::function<void(Service&)>& wire,
                        const std::vector<ServiceCommand>& commands);

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts later, so that
// WaitForShutdownSignal() receives them. Call first in main().
void BlockShutdownSignals();
// Waits for SIGINT or SIGTERM; returns the signal number.
int WaitForShutdownSignal();

}  // namespace blog

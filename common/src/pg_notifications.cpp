#include "common/pg_notifications.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <poll.h>

namespace blog {
namespace {

using namespace std::chrono_literals;

constexpr auto kPollInterval = 200ms;  // how soon a stop is noticed
constexpr auto kPingInterval = 5s;     // how soon a silently dead connection is noticed
constexpr auto kRetryMin = 250ms;
constexpr auto kRetryMax = 5s;

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

// Opens a connection whose failures surface within seconds, not at the kernel's TCP timeouts.
PgConn Connect(const std::string& url, const std::string& application_name) {
  const char* keys[] = {
      "dbname",           "connect_timeout",  "keepalives_idle",  "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), "5", "5", "2", "2", "10000", application_name.c_str(),
                          nullptr};
  PgConn conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  // Server notices ("terminating connection ...") would go to stderr; losses are reported.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

std::string ErrorOf(PGconn* conn) {
  std::string text = PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "connection lost" : text;
}

// Runs `sql` and tells whether it succeeded.
bool Exec(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const bool ok =
      PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
  PQclear(result);
  return ok;
}

}  // namespace

NotificationWatch::NotificationWatch(std::string database_url, std::string channel,
                                     std::string application_name, Observer observer)
    : url_(std::move(database_url)),
      channel_(std::move(channel)),
      application_name_(std::move(application_name)),
      observer_(std::move(observer)),
      thread_([this] { Run(); }) {}

NotificationWatch::~NotificationWatch() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true, std::memory_order_release);
  }
  woken_.notify_all();
  thread_.join();
}

void NotificationWatch::Run() {
  std::chrono::milliseconds retry = kRetryMin;
  while (!Stopping()) {
    bool listened = false;
    const std::string error = ListenOnce(listened);
    if (Stopping()) break;
    if (listened) retry = kRetryMin;
    observer_.lost(error);
    std::unique_lock lock(mutex_);
    woken_.wait_for(lock, retry, [this] { return Stopping(); });
    retry = std::min<std::chrono::milliseconds>(retry * 2, kRetryMax);
  }
}

std::string NotificationWatch::ListenOnce(bool& listened) {
  PgConn conn = Connect(url_, application_name_);
  if (PQstatus(conn.get()) != CONNECTION_OK) return ErrorOf(conn.get());
  if (!Exec(conn.get(), "LISTEN " + channel_)) return ErrorOf(conn.get());
  listened = true;
  observer_.listening();
  auto last_ping = std::chrono::steady_clock::now();
  while (!Stopping()) {
    pollfd fd{PQsocket(conn.get()), POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>(kPollInterval.count()));
    if (ready < 0 && errno != EINTR) return "poll failed";
    if (ready > 0 && PQconsumeInput(conn.get()) == 0) return ErrorOf(conn.get());
    std::vector<std::string> payloads;
    while (PGnotify* note = PQnotifies(conn.get())) {
      payloads.emplace_back(note->extra);
      PQfreemem(note);
    }
    if (!payloads.empty()) observer_.notified(payloads);
    if (std::chrono::steady_clock::now() - last_ping >= kPingInterval) {
      if (!Exec(conn.get(), "SELECT 1")) return ErrorOf(conn.get());
      last_ping = std::chrono::steady_clock::now();
    }
    if (PQstatus(conn.get()) != CONNECTION_OK) return ErrorOf(conn.get());
  }
  return {};
}

}  // namespace blog

#include "common/outbox.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

namespace blog {
namespace {

constexpr int kOutboxLockKey = 72'1002;
constexpr int kBatchRows = 256;

}  // namespace

OutboxRelay::OutboxRelay(Database& db, NatsClient& nats, std::string service,
                         std::chrono::milliseconds poll_interval)
    : db_(db), nats_(nats), service_(std::move(service)), poll_interval_(poll_interval) {
  Metrics::Global().AddCollector([this] {
    try {
      db_.WithConnection([&](pqxx::connection& conn) {
        pqxx::nontransaction tx(conn);
        const auto row = tx.exec(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) "
            "FROM blog_outbox")[0];
        Metrics::Global().Set("blog_outbox_backlog", {}, row[0].as<double>());
        Metrics::Global().Set("blog_outbox_oldest_age_seconds", {}, row[1].as<double>());
      });
    } catch (const std::exception&) {
      // The database being down is reported by /readyz; the gauges keep their last value.
    }
  });
}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void OutboxRelay::Wake() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void OutboxRelay::Stop() {
  stopping_ = true;
  Wake();
  if (thread_.joinable()) thread_.join();
}

std::size_t OutboxRelay::PublishBatch() {
  std::size_t published = 0;
  std::string error;
  db_.Transact([&](Tx& tx) {
    auto& sql = tx.Sql();
    // Deleting published rows need not wait for the disk: if the deletion is lost in a crash,
    // the rows are published again and dropped as duplicates (Nats-Msg-Id, then the inbox).
    sql.exec("SET LOCAL synchronous_commit = off");
    if (!sql.exec_params("SELECT pg_try_advisory_xact_lock($1)", kOutboxLockKey)[0][0].as<bool>()) {
      return;  // another replica is publishing; its rows and ours are in one table
    }
    const auto rows = sql.exec_params(
        "SELECT seq, event_id, subject, payload, traceparent FROM blog_outbox "
        "ORDER BY seq LIMIT $1",
        kBatchRows);
    std::string done;
    for (const auto& row : rows) {
      try {
        nats_.Publish(row[2].c_str(), row[3].c_str(),
                      {{std::string(kMsgIdHeader), row[1].c_str()},
                       {std::string(kTraceParentHeader), row[4].c_str()}});
      } catch (const std::exception& e) {
        error = e.what();
        break;  // keep order: later rows wait for this one
      }
      done += (done.empty() ? "" : ",") + std::string(row[0].c_str());
      ++published;
    }
    if (!done.empty()) sql.exec("DELETE FROM blog_outbox WHERE seq IN (" + done + ")");
  });
  if (published > 0) {
    Metrics::Global().Increment("blog_events_published_total", {}, static_cast<double>(published));
  }
  if (!error.empty()) throw UnavailableError(error);
  return published;
}

bool OutboxRelay::Flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (PublishBatch() == 0) {
        bool empty = false;
        db_.WithConnection([&](pqxx::connection& conn) {
          pqxx::nontransaction tx(conn);
          empty = tx.exec("SELECT NOT EXISTS (SELECT 1 FROM blog_outbox)")[0][0].as<bool>();
        });
        if (empty) return true;
      }
    } catch (const std::exception& e) {
      log::Warn("outbox flush incomplete", {{"error", e.what()}});
      return false;
    }
  }
  return false;
}

void OutboxRelay::Run() {
  auto backoff = std::chrono::milliseconds(100);
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (!stopping_) {
    bool more = false;
    try {
      more = PublishBatch() == static_cast<std::size_t>(kBatchRows);
      backoff = std::chrono::milliseconds(100);
    } catch (const std::exception& e) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warning > std::chrono::seconds(5)) {
        log::Warn("outbox relay waiting for its dependencies", {{"error", e.what()}});
        last_warning = now;
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff, [&] { return stopping_.load(); });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    if (more) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, poll_interval_, [&] { return woken_ || stopping_; });
    woken_ = false;
  }
}

}  // namespace blog

#include "common/outbox.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/dead_letter.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include "nats_native.hpp"
#include "pool.hpp"

namespace blog {
namespace {

constexpr int kOutboxLockKey = 72'1002;
constexpr int kBatchRows = 256;
constexpr std::int64_t kAckWaitMs = 5000;

// One round trip: opens the transaction, lets its commit skip the wait for the disk (if the
// deletion is lost in a crash, the rows are published again and dropped as duplicates by
// Nats-Msg-Id, then by the inbox), takes the replicas' lock (an empty result when another
// replica holds it: its rows and ours are in one table) and reads the oldest rows.
const std::string kBeginAndRead =
    "BEGIN; SET LOCAL synchronous_commit = off; "
    "SELECT seq, event_id, subject, payload, traceparent FROM blog_outbox "
    "WHERE (SELECT pg_try_advisory_xact_lock(" +
    std::to_string(kOutboxLockKey) + ")) ORDER BY seq LIMIT " + std::to_string(kBatchRows);

const Statement kBacklog{
    "blog_outbox_backlog",
    "SELECT count(*) AS backlog, coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "AS oldest_age FROM blog_outbox"};
const Statement kEmpty{"blog_outbox_empty",
                       "SELECT NOT EXISTS (SELECT 1 FROM blog_outbox) AS empty"};

}  // namespace

// Publishes messages to JetStream without waiting for each ack, then waits for all of them.
// Used by one relay thread at a time; the ack callback runs on a NATS thread.
class AsyncPublisher {
 public:
  struct Message {
    const char* subject;
    std::string_view payload;
    const char* event_id;
    const char* traceparent;
  };

  explicit AsyncPublisher(NatsClient& nats) : connection_(NatsAccess::Of(nats).connection) {
    jsOptions options;
    jsOptions_Init(&options);
    options.Wait = kAckWaitMs;
    options.PublishAsync.MaxPending = 4 * kBatchRows;
    options.PublishAsync.AckHandler = OnAck;
    options.PublishAsync.AckHandlerClosure = this;
    CheckNats(natsConnection_JetStream(&js_, connection_, &options),
              "jetstream context for the outbox");
  }
  ~AsyncPublisher() {
    // An ack callback that was already running when its batch timed out may still be using
    // this object: wait for it (pending publishes taken back no longer count).
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = 1000;
    js_PublishAsyncComplete(js_, &wait);
    jsCtx_Destroy(js_);
  }
  AsyncPublisher(const AsyncPublisher&) = delete;
  AsyncPublisher& operator=(const AsyncPublisher&) = delete;
  AsyncPublisher(AsyncPublisher&&) = delete;
  AsyncPublisher& operator=(AsyncPublisher&&) = delete;

  // Publishes `messages` in order, Nats-Msg-Id = event id. Returns how many leading messages the
  // stream acknowledged; when that is not all of them, `error` says why the next one was not.
  std::size_t PublishAll(std::span<const Message> messages, std::string& error) {
    {
      const std::lock_guard lock(mutex_);
      index_.clear();
      for (std::size_t i = 0; i < messages.size(); ++i) index_[messages[i].event_id] = i;
      acked_.assign(messages.size(), false);
      errors_.assign(messages.size(), {});
    }
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = kAckWaitMs;  // a missing ack is reported to OnAck as a timeout
    std::size_t sent = 0;
    for (const auto& m : messages) {
      natsMsg* msg = nullptr;
      natsStatus s = natsMsg_Create(&msg, m.subject, nullptr, m.payload.data(),
                                    static_cast<int>(m.payload.size()));
      if (s == NATS_OK) s = natsMsgHeader_Set(msg, std::string(kMsgIdHeader).c_str(), m.event_id);
      if (s == NATS_OK)
        s = natsMsgHeader_Set(msg, std::string(kTraceParentHeader).c_str(), m.traceparent);
      if (s == NATS_OK) s = js_PublishMsgAsync(js_, &msg, &options);
      natsMsg_Destroy(msg);  // no-op when the library took it
      if (s != NATS_OK) {
        error = std::string("publish to ") + m.subject + ": " + natsStatus_GetText(s);
        break;  // keep order: later rows wait for this one
      }
      ++sent;
    }
    if (sent > 0) {
      // nats.c holds asynchronous publishes up to 1 ms in its write buffer to gather more; a
      // flush sends them now (its PING/PONG overlaps with the stream storing them).
      natsConnection_FlushTimeout(connection_, kAckWaitMs);
      jsPubOptions wait;
      jsPubOptions_Init(&wait);
      wait.MaxWait = kAckWaitMs + 1000;
      if (js_PublishAsyncComplete(js_, &wait) != NATS_OK) {
        // Take back what is still unanswered; a late ack for it is then ignored.
        natsMsgList pending{};
        if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) natsMsgList_Destroy(&pending);
      }
    }
    const std::lock_guard lock(mutex_);
    index_.clear();
    for (std::size_t i = 0; i < sent; ++i) {
      if (acked_[i]) continue;
      if (error.empty()) {
        error = std::string("publish to ") + messages[i].subject + ": " +
                (errors_[i].empty() ? "no ack" : errors_[i]);
      }
      return i;
    }
    return sent;
  }

 private:
  static void OnAck(jsCtx* /*js*/, natsMsg* msg, jsPubAck* ack, jsPubAckErr* failure,
                    void* closure) {
    auto& self = *static_cast<AsyncPublisher*>(closure);
    const char* id = nullptr;
    if (natsMsgHeader_Get(msg, std::string(kMsgIdHeader).c_str(), &id) == NATS_OK &&
        id != nullptr) {
      const std::lock_guard lock(self.mutex_);
      // An id of an earlier batch that timed out is not found, or is the same row published
      // again: an ack then still means that the event is stored.
      if (const auto it = self.index_.find(id); it != self.index_.end()) {
        if (ack != nullptr) self.acked_[it->second] = true;
        if (failure != nullptr) {
          self.errors_[it->second] =
              failure->ErrText != nullptr ? failure->ErrText : natsStatus_GetText(failure->Err);
        }
      }
    }
    natsMsg_Destroy(msg);
  }

  natsConnection* connection_;
  jsCtx* js_ = nullptr;
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> index_;  // event id -> position in the batch
  std::vector<bool> acked_;
  std::vector<std::string> errors_;
};

OutboxRelay::OutboxRelay(Database& db, NatsClient& nats, std::string service,
                         std::chrono::milliseconds poll_interval)
    : db_(db),
      nats_(nats),
      publisher_(std::make_unique<AsyncPublisher>(nats)),
      service_(std::move(service)),
      poll_interval_(poll_interval) {
  Metrics::Global().AddCollector([this] {
    try {
      const Row row = db_.Read(kBacklog)[0];
      Metrics::Global().Set("blog_outbox_backlog", {}, row.Get<double>("backlog"));
      Metrics::Global().Set("blog_outbox_oldest_age_seconds", {}, row.Get<double>("oldest_age"));
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
  // Two round trips to PostgreSQL per batch: begin-lock-read, then delete-commit. The statements
  // are sent as text on a plain connection to put BEGIN and COMMIT in the same round trips.
  db_.pool_->WithConnection([&](pqxx::connection& conn) {
    pqxx::nontransaction sql(conn);
    try {
      const auto rows = sql.exec(kBeginAndRead);
      std::vector<AsyncPublisher::Message> messages;
      messages.reserve(rows.size());
      for (const auto& row : rows) {
        const pqxx::field payload = row["payload"];
        messages.push_back({row["subject"].c_str(),
                            std::string_view(payload.c_str(), payload.size()),
                            row["event_id"].c_str(), row["traceparent"].c_str()});
      }
      published = messages.empty() ? 0 : publisher_->PublishAll(messages, error);
      std::string finish;
      for (std::size_t i = 0; i < published; ++i) {
        finish += (i == 0 ? "DELETE FROM blog_outbox WHERE seq IN (" : ",");
        finish += rows[static_cast<pqxx::result::size_type>(i)]["seq"].c_str();
      }
      if (!finish.empty()) finish += "); ";
      sql.exec(finish + "COMMIT");
    } catch (...) {
      try {
        sql.exec("ROLLBACK");
      } catch (const std::exception&) {
        // The connection is broken: the server rolls back, the pool drops it.
      }
      throw;
    }
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
        if (db_.Read(kEmpty)[0].Get<bool>("empty")) return true;
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

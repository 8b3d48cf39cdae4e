// The outbox relay: moves committed outbox rows to JetStream.
//
// Rows are published in outbox order with Nats-Msg-Id = event id (the stream drops a repeat
// inside its duplicate window) and traceparent, and deleted only after the stream's ack. A batch
// of rows is published without waiting between messages (asynchronous publish: the messages go
// out in order over one connection, so the stream stores them in outbox order), then the relay
// waits for all their acks and deletes the acknowledged rows in one statement. A row is deleted
// only when it and every row before it in the batch were acknowledged: after a failure, the rest
// of the batch stays and is published again (a repeat the stream already holds is dropped by
// Nats-Msg-Id, or by the consumers' inbox after the duplicate window). The relay is woken right
// after each commit that wrote rows (no polling delay on the happy path) and also polls every
// `poll_interval` as a fallback (rows of another replica, a missed wake-up): a poll reads
// whether the outbox has rows, and publishes only when it has. While NATS is down
// rows stay in the table and are retried with backoff. Replicas of a service take turns through
// a PostgreSQL advisory lock, so only one publishes at a time and order holds. When the server
// has synchronous standbys, a batch is published only once the standby has its rows (a
// synchronous commit on a second pooled connection), so that no failover can lose a change
// whose event is out.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "common/database.hpp"
#include "common/nats_client.hpp"

namespace blog {

class AsyncPublisher;  // outbox.cpp

class OutboxRelay {
 public:
  OutboxRelay(Database& db, NatsClient& nats, std::string service,
              std::chrono::milliseconds poll_interval = std::chrono::milliseconds(500));
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;
  OutboxRelay(OutboxRelay&&) = delete;
  OutboxRelay& operator=(OutboxRelay&&) = delete;

  void Start();
  // Asks the relay thread to publish now. Cheap; callable from any thread.
  void Wake();
  // Publishes until the outbox is empty or `timeout` passes; true when empty. Used at shutdown.
  bool Flush(std::chrono::milliseconds timeout);
  void Stop();

  // Publishes one batch now on the calling thread; returns the rows published. Throws
  // UnavailableError when PostgreSQL or NATS cannot be reached.
  std::size_t PublishBatch();

 private:
  void Run();
  // True when the outbox has no rows (one read); false also when the read fails.
  bool OutboxEmpty();

  Database& db_;
  NatsClient& nats_;
  std::unique_ptr<AsyncPublisher> publisher_;
  std::string service_;
  std::chrono::milliseconds poll_interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace blog

// Listener<Event>: the consuming half of the event contract, as small to subclass as the course's
// TypeScript Listener:
//
//   class CommentCreatedListener final : public blog::Listener<blog::CommentCreated> {
//     using Listener::Listener;
//     void OnMessage(const blog::CommentCreated& event, blog::Tx& tx) override;
//   };
//
// The base class owns everything else:
// - the durable pull consumer `<service>-<Type>` on stream BLOG, filtered to the event's subject,
//   created explicitly (deliver all, explicit ack, ack wait) and only bound afterwards, so no
//   unsubscribe or shutdown ever deletes it; every replica of a service binds the same consumer,
//   which spreads the events over the replicas (JetStream's form of a durable queue group);
// - a fetch thread, started by Start() and joined by Stop() after the current message;
// - decoding: an undecodable message is dead-lettered at once (see below) and terminated;
// - exactly-once effects: OnMessage runs inside a database transaction that also inserts the
//   event id into the inbox table; a duplicate is acked and skipped; the ack is sent only after
//   the commit. The messages of one fetch (up to FETCH_BATCH, whatever is ready; a fetch never
//   waits to fill a batch) share one transaction and one commit; when a handler throws, that
//   transaction rolls back and the batch is applied again one event per transaction, so the
//   failures below apply to the failing event alone;
// - failures: an exception from OnMessage naks the message with a delay that doubles each try
//   (RETRY_BASE_MS up to RETRY_MAX_MS); after MAX_DELIVER failed tries the message is
//   dead-lettered. While the database is unavailable the message is retried without counting
//   towards dead-lettering, and fetching pauses.
// - dead letters: a copy of the message goes to `dlq.<consumer>` (stream BLOG_DLQ) with headers
//   Blog-Error, Blog-Original-Subject, Blog-Original-Sequence, Blog-Consumer; then the original is
//   terminated, so a poison message never holds up the messages behind it.
//
// OnMessage is called from the listener's own thread, one message at a time, in stream order; it
// must change only the service's own tables (through tx) and may publish follow-up events with
// tx.Publish(). Several calls may share one transaction: tx.Incoming() is the event at hand.
// OnBatchEnd(tx) runs once per transaction after its last OnMessage, before the commit: a
// listener that can apply many events at once collects them in OnMessage and applies them there.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/codec.hpp"
#include "common/config.hpp"
#include "common/database.hpp"
#include "common/jetstream.hpp"
#include "common/nats_client.hpp"
#include "common/tx.hpp"

namespace blog {

// What every listener of one service shares.
struct ListenerContext {
  std::string service;
  NatsClient& nats;
  Database& db;
  ListenerSettings settings;
  // Delete and recreate the consumers on start: set when the service's database is brand new,
  // so that its state is rebuilt from the first stored event.
  bool reset_consumers = false;
};

class ListenerBase {
 public:
  ListenerBase(ListenerContext& context, std::string_view event_type, std::string_view subject);
  virtual ~ListenerBase();
  ListenerBase(const ListenerBase&) = delete;
  ListenerBase& operator=(const ListenerBase&) = delete;
  ListenerBase(ListenerBase&&) = delete;
  ListenerBase& operator=(ListenerBase&&) = delete;

  // Creates (or updates) the durable consumer, binds to it and starts the fetch thread.
  // Throws UnavailableError when NATS cannot be reached.
  void Start();
  // Stops fetching; returns after the batch in progress is acked or nak'd.
  void Stop();
  // True while bound to the consumer and fetching.
  bool Bound() const { return bound_.load(); }
  const std::string& ConsumerName() const { return consumer_; }
  const std::string& Subject() const { return subject_; }

 protected:
  // Calls the typed OnMessage of the subclass.
  virtual void Dispatch(const DecodedEvent& event, Tx& tx) = 0;
  // After the last event of a transaction, before its commit (also for a batch of one). Throw
  // to roll the batch back: its events are then applied one per transaction.
  virtual void OnBatchEnd(Tx& /*tx*/) {}

 private:
  struct Impl;
  void Run();

  ListenerContext& context_;
  std::string type_;
  std::string subject_;
  std::string consumer_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> bound_{false};
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

template <typename Event>
class Listener : public ListenerBase {
 public:
  explicit Listener(ListenerContext& context)
      : ListenerBase(context, Event::kType, Event::kSubject) {}

  // Applies one event inside `tx`. Throw to retry later (see the contract above).
  virtual void OnMessage(const Event& event, Tx& tx) = 0;

 private:
  void Dispatch(const DecodedEvent& event, Tx& tx) final {
    OnMessage(std::get<Event>(event.event), tx);
  }
};

// The durable consumer name of `service` for events of `type`: "<service>-<type>".
std::string ConsumerName(std::string_view service, std::string_view type);

// The settings of every listener's durable consumer `name` on stream BLOG, filtered to
// `subject`: deliver all, explicit ack with `settings.ack_wait`, no server-side delivery limit
// (the listener dead-letters after MAX_DELIVER failures itself). The one definition; Start()
// creates consumers with it.
ConsumerConfig ListenerConsumerConfig(std::string name, std::string subject,
                                      const ListenerSettings& settings);

}  // namespace blog

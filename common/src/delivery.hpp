// Internal to the listener: applies fetched messages to the service's database and settles each
// one with JetStream (ack, nak with a delay, or dead-letter and terminate).
//
// A fetched batch is applied in ONE transaction: one inbox statement records every event id and
// tells which are new, the handler runs for each new event in stream order, one commit, then
// every message is acked. Usually every event is new: the inbox statement then only inserts
// and rides with the handler's first statement (RecordNewInInbox); when an id was there
// before, that transaction fails and the batch runs again with the statement that tells the
// new from the old, which stays in use until a batch turns out all new again. When a handler
// throws, the transaction rolls back and the batch is applied again one event per
// transaction, so a failing event is retried or dead-lettered on its own exactly as if it had
// come alone, and the events around it are applied. (Its handler runs twice for that
// delivery: once in the batch, once alone; a redelivered event's handler may run once in a
// transaction that then rolls back.)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nats/nats.h>

#include "common/codec.hpp"
#include "common/listener.hpp"
#include "common/tx.hpp"

namespace blog {

// One fetched message, decoded. `msg` is owned by the fetched list.
struct Delivery {
  natsMsg* msg = nullptr;
  IncomingEvent incoming;
  std::uint64_t delivered = 1;  // how many times JetStream has delivered it, this time included
  std::string traceparent;
  DecodedEvent decoded;
};

class DeliveryApplier {
 public:
  using Dispatch = std::function<void(const DecodedEvent&, Tx&)>;
  using Finish = std::function<void(Tx&)>;
  // `dispatch` runs for each new event of a transaction, `finish` once after the last one.
  DeliveryApplier(ListenerContext& context, std::string consumer, std::string type,
                  Dispatch dispatch, Finish finish);

  // Reads and decodes `msg`. An undecodable message, or one of another type, is dead-lettered
  // and terminated here, and nullopt returned.
  std::optional<Delivery> Read(natsMsg* msg);

  // Applies `batch` and settles every message in it. Returns false when the database is
  // unavailable: the unsettled messages are nak'd for a retry, and fetching should pause.
  bool Apply(std::span<Delivery> batch);

 private:
  // Applies `batch` in one transaction (two when the first meets a redelivered event); returns
  // which deliveries were new (not in the inbox before).
  std::vector<bool> Transact(std::span<Delivery> batch);
  // One transaction; `expect_new`: record the ids with RecordNewInInbox.
  std::vector<bool> TransactOnce(std::span<Delivery> batch, bool expect_new);
  void Acked(std::span<Delivery> batch, const std::vector<bool>& fresh, double seconds);
  void NakAll(std::span<Delivery> batch);
  // A handler failed on `delivery` alone: nak with backoff, or dead-letter after max deliver.
  void Failed(Delivery& delivery, const std::string& error);
  void DeadLetter(Delivery& delivery, const std::string& error);

  ListenerContext& context_;
  std::string consumer_;
  std::string type_;
  Dispatch dispatch_;
  Finish finish_;
  bool expect_new_ = true;  // the last batch held no event applied before
};

}  // namespace blog

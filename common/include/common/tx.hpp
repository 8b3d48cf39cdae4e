// A unit of work in the service's own database, with the transactional outbox.
//
// Handlers and routes change their tables through Sql() and publish events with Publish(): the
// event is written to the outbox table in the same transaction, so the change and its event
// commit together or not at all. The outbox relay (outbox.hpp) publishes it after the commit.
// A Tx lives only inside Database::Transact and is used by one thread.
#pragma once

#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "common/codec.hpp"
#include "common/events.hpp"

namespace blog {

// The event a listener is handling, as seen by its handler.
struct IncomingEvent {
  EventMeta meta;
  std::string subject;
  std::uint64_t stream_sequence = 0;
};

class Tx {
 public:
  Tx(pqxx::work& work, std::string_view source, const IncomingEvent* incoming)
      : work_(work), source_(source), incoming_(incoming) {}

  // The open transaction, for the service's own tables.
  pqxx::work& Sql() { return work_; }

  // Writes `event` to the outbox. An empty `event_id` gets a random UUID; pass a DerivedUuid to
  // make a derived event idempotent. Returns the event id.
  std::string Publish(const AnyEvent& event, std::string event_id = {});

  // The event being handled (listener transactions), or nullptr (HTTP transactions).
  const IncomingEvent* Incoming() const { return incoming_; }

  bool Published() const { return published_; }

 private:
  pqxx::work& work_;
  std::string_view source_;
  const IncomingEvent* incoming_;
  bool published_ = false;
};

}  // namespace blog

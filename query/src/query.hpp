// The query service: its own read model of posts with their comments, built only from events,
// so it answers while posts, comments and moderation are all down.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <vector>

#include "common/database.hpp"
#include "common/listener.hpp"
#include "common/nats_client.hpp"
#include "common/service.hpp"

namespace blog::query {

inline constexpr int kDefaultPort = 4002;

const std::vector<Migration>& Migrations();

// Registers the projection's prepared statements with `db`; Apply and ApplyAll run only in
// transactions of a Database prepared so. ProjectionListener and Rebuild call it themselves.
void PrepareProjection(Database& db);

// The projection. Idempotent and order-independent: an entity's event applies only when its
// version is newer than the stored one, and a comment arriving before its post creates a
// placeholder post (no title, not listed) that PostCreated later fills in. `sequence` is the
// event's stream sequence, used to order posts newest first. Also keeps each changed post's
// JSON document (post_doc.hpp) current. Throws pqxx errors (e.g. an id that is not a UUID).
void Apply(pqxx::work& sql, const AnyEvent& event, std::uint64_t sequence);

// An event and its stream sequence; `event` is borrowed.
struct SequencedEvent {
  const AnyEvent* event;
  std::uint64_t sequence;
};

// Applies `events` (in stream order, event ids already deduplicated) with at most three
// statements in all, leaving the same read model as Apply on each in turn.
void ApplyAll(pqxx::work& sql, const std::vector<SequencedEvent>& events);

// True when every id the projection stores from `event` is a UUID (else PostgreSQL refuses it).
bool HasValidIds(const AnyEvent& event);

// Applies the event type `E` through the projection: the events of one transaction are
// collected and applied together by ApplyAll, a few statements however many there are.
template <typename E>
class ProjectionListener final : public Listener<E> {
 public:
  explicit ProjectionListener(ListenerContext& context) : Listener<E>(context) {
    PrepareProjection(context.db);
  }
  void OnMessage(const E& event, Tx& tx) override {
    pending_.push_back({AnyEvent(event), tx.Incoming()->stream_sequence});
  }

 private:
  struct Pending {
    AnyEvent event;
    std::uint64_t sequence;
  };

  void OnBatchEnd(Tx& tx) override {
    std::vector<Pending> batch;
    batch.swap(pending_);  // empty for the next transaction, whether this one commits or not
    if (batch.empty()) return;
    std::vector<SequencedEvent> events;
    events.reserve(batch.size());
    for (const auto& p : batch) events.push_back({&p.event, p.sequence});
    ApplyAll(tx.Sql(), events);
  }

  std::vector<Pending> pending_;  // touched only by the listener's own thread
};

// Adds GET /posts and GET /posts/{id}.
void AddRoutes(Service& service);

// Drops the read model and replays it from the first stored event, writing progress lines to
// `progress`. Safe while the service runs (the inbox and versions make overlaps harmless).
// Returns the number of events applied.
std::uint64_t Rebuild(Database& db, NatsClient& nats, std::ostream& progress);

}  // namespace blog::query

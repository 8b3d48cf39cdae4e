// The projection: the read model (schema.hpp) kept from PostCreated, CommentCreated and
// CommentUpdated. Idempotent and order-independent: an entity's event applies only when its
// version is newer than the stored one, and a comment arriving before its post creates a
// placeholder post (no title, not listed) that PostCreated later fills in. Each changed post's
// JSON document (post_doc.hpp) is kept current. Set-based: a batch of any size is at most four
// statements, so the live listener (a fetch) and the rebuild (ten thousand events) share it.
#pragma once

#include <cstdint>
#include <vector>

#include "common/codec.hpp"
#include "common/tx.hpp"

namespace blog::query {

// An event and its stream sequence (which orders posts newest first); `event` is borrowed.
struct SequencedEvent {
  const AnyEvent* event;
  std::uint64_t sequence;
};

// Applies `events` (in stream order; the listeners' inbox has dropped redelivered ones, the
// rebuild's batches may hold an event twice) in `tx`, leaving the same read model as applying
// each in turn. Throws SqlError for an id that is not a
// UUID (see HasValidIds). Its last statement goes with the commit (Tx::ExecAtCommit): its
// errors are thrown by the commit, and `tx` must run nothing after it.
void ApplyAll(Tx& tx, const std::vector<SequencedEvent>& events);

// ApplyAll for one event.
void Apply(Tx& tx, const AnyEvent& event, std::uint64_t sequence);

// True when every id the projection stores from `event` is a UUID (else PostgreSQL refuses it).
bool HasValidIds(const AnyEvent& event);

}  // namespace blog::query

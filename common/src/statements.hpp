// Internal: the statements on the project's own tables (outbox, inbox), run by Tx::Publish and
// the inbox (inbox.cpp).
#pragma once

#include <string>
#include <string_view>

#include "common/events.hpp"
#include "common/statement.hpp"

namespace blog {

// An event as the outbox stores it. An empty `event_id` gets a random UUID; the traceparent is
// a child of the calling thread's current trace, or a new trace. Defined in tx.cpp.
struct OutboxRow {
  std::string event_id;
  std::string subject;
  std::string payload;
  std::string traceparent;
};
OutboxRow MakeOutboxRow(const AnyEvent& event, std::string_view source, std::string event_id);

}  // namespace blog

namespace blog::statement {

// $1 event id, $2 subject, $3 payload, $4 traceparent.
inline const Statement kOutboxInsert{
    "blog_outbox_insert",
    "INSERT INTO blog_outbox (event_id, subject, payload, traceparent) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (event_id) DO NOTHING"};

// $1 text[] of event ids, $2 consumer; returns the ids that were new. An id repeated inside $1
// is inserted (and returned) once.
inline const Statement kInboxInsert{
    "blog_inbox_insert",
    "INSERT INTO blog_inbox (event_id, consumer) SELECT unnest($1::text[]), $2 "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"};

}  // namespace blog::statement

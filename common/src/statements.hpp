// Internal: the prepared statements on the project's own tables (outbox, inbox), registered by
// every Database (database.cpp) and run by Tx::Publish and the listener.
#pragma once

#include <string>
#include <string_view>

#include "common/events.hpp"

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
inline constexpr std::string_view kOutboxInsert = "blog_outbox_insert";
inline constexpr std::string_view kOutboxInsertSql =
    "INSERT INTO blog_outbox (event_id, subject, payload, traceparent) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (event_id) DO NOTHING";

// $1 text[] of event ids, $2 consumer; returns the ids that were new. An id repeated inside $1
// is inserted (and returned) once.
inline constexpr std::string_view kInboxInsert = "blog_inbox_insert";
inline constexpr std::string_view kInboxInsertSql =
    "INSERT INTO blog_inbox (event_id, consumer) SELECT unnest($1::text[]), $2 "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id";

}  // namespace blog::statement

// Internal: the statements on the project's own tables (outbox, inbox, idempotency keys), run by
// Tx::Publish, the inbox (inbox.cpp) and idempotency.cpp.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

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
// `params` followed by `row`'s four fields, for a statement that writes the outbox row from its
// last four parameters (Database::WithEvent, kOutboxInsert). Borrows `row`. Defined in tx.cpp.
std::vector<SqlParam> WithOutboxRow(std::initializer_list<SqlParam> params, const OutboxRow& row);

}  // namespace blog

namespace blog::statement {

// $1 event id, $2 subject, $3 payload, $4 traceparent.
inline const Statement kOutboxInsert{
    "blog_outbox_insert",
    "INSERT INTO blog_outbox (event_id, subject, payload, traceparent) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (event_id) DO NOTHING"};

// The inbox's primary key, named in the error of an insertion of an id it holds.
inline constexpr std::string_view kInboxKey = "blog_inbox_pkey";

// $1 text[] of event ids, $2 consumer; fails on an id the inbox holds (unique violation of
// kInboxKey), so that nothing needs to be returned.
inline const Statement kInboxInsertNew{
    "blog_inbox_insert_new",
    "INSERT INTO blog_inbox (event_id, consumer) SELECT unnest($1::text[]), $2"};

// $1 text[] of event ids, $2 consumer; returns the ids that were new. An id repeated inside $1
// is inserted (and returned) once.
inline const Statement kInboxInsert{
    "blog_inbox_insert",
    "INSERT INTO blog_inbox (event_id, consumer) SELECT unnest($1::text[]), $2 "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"};

// $1 key, $2 request hash, $3 status, $4 content type, $5 headers, $6 body, $7 lifetime in ms.
// Stores an answer unless a live key holds one (an expired one is replaced); returns a row when
// stored. On the way it deletes a few other expired keys, skipping any another transaction
// holds: one index probe when none has expired, so no separate clean-up job is needed.
inline const Statement kIdempotencyStore{
    "blog_idempotency_store",
    "WITH purged AS (DELETE FROM blog_idempotency WHERE key IN (SELECT key FROM blog_idempotency"
    " WHERE expires_at <= now() AND key <> $1 ORDER BY expires_at LIMIT 4 FOR UPDATE SKIP LOCKED))"
    " INSERT INTO blog_idempotency AS stored"
    " (key, request_hash, status, content_type, headers, body, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, now() + $7::bigint * interval '1 millisecond')"
    " ON CONFLICT (key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
    " status = EXCLUDED.status, content_type = EXCLUDED.content_type, headers = EXCLUDED.headers,"
    " body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at"
    " WHERE stored.expires_at <= now() RETURNING 1"};

// $1 key; the live answer stored under it, if any.
inline const Statement kIdempotencyLookup{
    "blog_idempotency_lookup",
    "SELECT request_hash, status, content_type, headers, body FROM blog_idempotency"
    " WHERE key = $1 AND expires_at > now()"};

}  // namespace blog::statement

// The inbox: the ids of the events applied to this service's database, per consumer (table
// blog_inbox, created by Database::Migrate and written only through these functions).
//
// Every listener records its events here in the transaction that applies them (listener.hpp),
// so that a redelivered event is skipped. Code that applies events to the same tables by other
// means records them here too, unless applying an event twice changes nothing (the query
// service's rebuild: its projection keeps only newer versions).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "common/errors.hpp"
#include "common/tx.hpp"

namespace blog {

// Records `event_ids` as applied by `consumer` in `tx`, in one statement. Returns, for each id
// in order, whether it is new: false when the inbox held it already or it came earlier in
// `event_ids`. The ids are committed (and their events count as applied) with `tx`.
std::vector<bool> RecordInInbox(Tx& tx, std::string_view consumer,
                                std::span<const std::string_view> event_ids);

// Records `event_ids`, each expected to be new, as applied by `consumer` in `tx`, in the round
// trip of the transaction's next statement (Tx::ExecWithNext), so that it costs none of its
// own. When one of them was recorded before (or comes twice in `event_ids`), that statement
// fails with an SqlError for which IsInboxDuplicate is true, and `tx` cannot commit: run the
// work again in a new transaction with RecordInInbox, which tells the new ids from the others.
void RecordNewInInbox(Tx& tx, std::string_view consumer,
                      std::span<const std::string_view> event_ids);

// Whether `error` is RecordNewInInbox's refusal of an id recorded before.
bool IsInboxDuplicate(const SqlError& error);

// Forgets every recorded event, of every consumer, as part of `tx`. Every listener transaction
// writes the inbox before the tables its handler changes; so that a transaction that empties
// both cannot deadlock with a listener, call this BEFORE touching those tables (it then waits
// for a running listener transaction instead of holding a table that one needs).
void ClearInbox(Tx& tx);

}  // namespace blog

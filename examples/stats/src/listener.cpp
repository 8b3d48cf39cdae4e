#include "stats.hpp"

namespace blog::stats {
namespace {

// A comment's newest state wins; an older or repeated CommentUpdated changes nothing.
const Statement kRecord{"stats_record",
                        "INSERT INTO comment_status AS s (comment_id, post_id, status, version) "
                        "VALUES ($1, $2, $3, $4) ON CONFLICT (comment_id) DO UPDATE "
                        "SET status = EXCLUDED.status, version = EXCLUDED.version "
                        "WHERE s.version < EXCLUDED.version"};

}  // namespace

void CommentUpdatedListener::OnMessage(const CommentUpdated& event, Tx& tx) {
  tx.Exec(kRecord, event.id, event.post_id, ToString(event.status), event.version);
}

}  // namespace blog::stats

#include "stats.hpp"

namespace blog::stats {
namespace {

constexpr const char* kRecord = "stats_record";

}  // namespace

CommentUpdatedListener::CommentUpdatedListener(ListenerContext& context) : Listener(context) {
  context.db.Prepare(kRecord,
                     "INSERT INTO comment_status AS s (comment_id, post_id, status, version) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT (comment_id) DO UPDATE "
                     "SET status = EXCLUDED.status, version = EXCLUDED.version "
                     "WHERE s.version < EXCLUDED.version");
}

void CommentUpdatedListener::OnMessage(const CommentUpdated& event, Tx& tx) {
  tx.Sql().exec_prepared(kRecord, event.id, event.post_id, std::string(ToString(event.status)),
                         event.version);
}

}  // namespace blog::stats

#include "common/log.hpp"

#include "comments.hpp"

namespace blog::comments {
namespace {

const Statement kLearnPost{"comments_learn_post",
                           "INSERT INTO known_posts (id) VALUES ($1) ON CONFLICT DO NOTHING"};
const Statement kDecide{"comments_decide",
                        "UPDATE comments SET status = $2, version = version + 1 "
                        "WHERE id = $1 AND status = 'pending' RETURNING post_id, content, version"};

}  // namespace

PostCreatedListener::PostCreatedListener(ListenerContext& context, PostArrivals& arrivals)
    : Listener(context), arrivals_(arrivals) {}

void PostArrivals::Notify() {
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
  }
  arrived_.notify_all();
}

void PostArrivals::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto seen = generation_;
  arrived_.wait_for(lock, timeout, [&] { return generation_ != seen; });
}

void PostCreatedListener::OnMessage(const PostCreated& event, Tx& tx) {
  tx.Exec(kLearnPost, event.id);
  // Wakes waiting requests early; they re-check after this transaction commits.
  arrivals_.Notify();
}

void CommentModeratedListener::OnMessage(const CommentModerated& event, Tx& tx) {
  if (event.status == CommentStatus::kPending) return;  // nothing decided
  const Rows rows = tx.Exec(kDecide, event.id, ToString(event.status));
  if (rows.empty()) {
    log::Info("moderation ignored: comment unknown or already decided", {{"comment", event.id}});
    return;
  }
  tx.Publish(
      CommentUpdated{.id = event.id,
                     .post_id = rows[0].Get<std::string>("post_id"),
                     .content = rows[0].Get<std::string>("content"),
                     .status = event.status,
                     .version = rows[0].Get<std::int64_t>("version"),
                     .reason = event.reason.empty() ? std::nullopt : std::optional(event.reason)});
}

}  // namespace blog::comments

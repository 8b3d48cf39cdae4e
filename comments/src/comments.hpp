// The comments service: owns comments and their moderation state; keeps the ids of the posts
// it has learned from PostCreated so it never has to ask the posts service.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/database.hpp"
#include "common/listener.hpp"
#include "common/service.hpp"

namespace blog::comments {

inline constexpr int kDefaultPort = 4001;
inline constexpr std::size_t kMaxContentChars = 1000;

const std::vector<Migration>& Migrations();

// Wakes requests waiting for a post id this process has just learned. A request for a post not
// seen yet waits up to POST_WAIT_MS (the client may have created the post a moment ago and its
// PostCreated is still on its way); other replicas' learning is seen by re-checking the table.
class PostArrivals {
 public:
  void Notify();
  // Waits until Notify() or `timeout`.
  void Wait(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::uint64_t generation_ = 0;
};

class PostCreatedListener final : public Listener<PostCreated> {
 public:
  PostCreatedListener(ListenerContext& context, PostArrivals& arrivals);
  void OnMessage(const PostCreated& event, Tx& tx) override;

 private:
  PostArrivals& arrivals_;
};

// Applies a moderation decision: sets the status, bumps the version, emits CommentUpdated.
class CommentModeratedListener final : public Listener<CommentModerated> {
 public:
  using Listener::Listener;

 private:
  void OnMessage(const CommentModerated& event, Tx& tx) override;
};

// Adds POST /posts/{id}/comments (taking an Idempotency-Key) and GET /posts/{id}/comments.
void AddRoutes(Service& service, PostArrivals& arrivals, std::chrono::milliseconds post_wait);

}  // namespace blog::comments

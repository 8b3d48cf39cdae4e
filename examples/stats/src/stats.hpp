// The stats service: how many comments of each post were approved and how many rejected, built
// from CommentUpdated alone and kept in its own database. It shows what a new service needs:
// migrations, a listener, a route and a main() that wires them (docs/guide.md).
#pragma once

#include <vector>

#include "common/database.hpp"
#include "common/listener.hpp"
#include "common/service.hpp"

namespace blog::stats {

inline constexpr int kDefaultPort = 4004;

const std::vector<Migration>& Migrations();

// Keeps each comment's newest moderation state (the highest version wins), so duplicates and any
// delivery order give the same counts.
class CommentUpdatedListener final : public Listener<CommentUpdated> {
 public:
  using Listener::Listener;
  void OnMessage(const CommentUpdated& event, Tx& tx) override;
};

// Adds GET /stats/{postId} -> {"postId":"…","approved":2,"rejected":1}. A post with no decided
// comment counts zero (stats never hears of posts); an id that is not a UUID is 404.
void AddRoutes(Service& service);

}  // namespace blog::stats

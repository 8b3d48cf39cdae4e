// The moderation service: decides each new comment and announces the decision.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/database.hpp"
#include "common/listener.hpp"

namespace blog::moderation {

inline constexpr int kDefaultPort = 4003;

struct Decision {
  CommentStatus status;
  std::string reason;  // empty when approved
};

// Rejects `content` when it contains any of `banned_words`, ignoring case (ASCII); else approves.
// Pure: the same content and list always give the same decision.
Decision Moderate(std::string_view content, const std::vector<std::string>& banned_words);

const std::vector<Migration>& Migrations();

// Decides a CommentCreated once: the decision is stored, and CommentModerated is published
// with an id derived from the comment's, so a redelivered event yields no second decision.
class CommentCreatedListener final : public Listener<CommentCreated> {
 public:
  CommentCreatedListener(ListenerContext& context, std::vector<std::string> banned_words);
  void OnMessage(const CommentCreated& event, Tx& tx) override;

 private:
  std::vector<std::string> banned_words_;
};

}  // namespace blog::moderation

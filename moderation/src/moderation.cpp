#include "moderation.hpp"

#include <algorithm>
#include <cctype>

#include "common/ids.hpp"

namespace blog::moderation {
namespace {

constexpr const char* kDecide = "moderation_decide";

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Decision Moderate(std::string_view content, const std::vector<std::string>& banned_words) {
  const std::string text = Lower(content);
  for (const auto& word : banned_words) {
    if (!word.empty() && text.find(Lower(word)) != std::string::npos) {
      return {CommentStatus::kRejected, "contains the banned word '" + word + "'"};
    }
  }
  return {CommentStatus::kApproved, ""};
}

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, R"sql(
CREATE TABLE decisions (
  comment_id uuid PRIMARY KEY,
  status     text NOT NULL CHECK (status IN ('approved', 'rejected')),
  reason     text NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now()
);
)sql"},
  };
  return migrations;
}

CommentCreatedListener::CommentCreatedListener(ListenerContext& context,
                                               std::vector<std::string> banned_words)
    : Listener(context), banned_words_(std::move(banned_words)) {
  context.db.Prepare(kDecide,
                     "INSERT INTO decisions (comment_id, status, reason) VALUES ($1, $2, $3) "
                     "ON CONFLICT (comment_id) DO NOTHING");
}

void CommentCreatedListener::OnMessage(const CommentCreated& event, Tx& tx) {
  const Decision decision = Moderate(event.content, banned_words_);
  const auto inserted = tx.Sql().exec_prepared(
      kDecide, event.id, std::string(ToString(decision.status)), decision.reason);
  if (inserted.affected_rows() == 0) return;  // decided before
  tx.Publish(CommentModerated{.id = event.id,
                              .post_id = event.post_id,
                              .content = event.content,
                              .status = decision.status,
                              .reason = decision.reason,
                              .version = event.version},
             DerivedUuid("CommentModerated/" + event.id));
}

}  // namespace blog::moderation

#include "moderation.hpp"

#include "common/ascii.hpp"
#include "common/ids.hpp"

namespace blog::moderation {
namespace {

// The decision and, when it is the first for the comment, its event ($4..$7), in one statement.
const Statement kDecide{"moderation_decide",
                        "WITH decided AS (INSERT INTO decisions (comment_id, status, reason) "
                        "VALUES ($1, $2, $3) ON CONFLICT (comment_id) DO NOTHING RETURNING 1) " +
                            Database::OutboxInsertSql(4, "EXISTS (SELECT 1 FROM decided)")};

}  // namespace

Decision Moderate(std::string_view content, const std::vector<std::string>& banned_words) {
  const std::string text = AsciiLower(content);
  for (const auto& word : banned_words) {
    if (!word.empty() && text.find(AsciiLower(word)) != std::string::npos) {
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
    : Listener(context), banned_words_(std::move(banned_words)) {}

void CommentCreatedListener::OnMessage(const CommentCreated& event, Tx& tx) {
  const Decision decision = Moderate(event.content, banned_words_);
  // Sent with the commit: the delivery is one round trip (BEGIN, inbox, this, COMMIT).
  tx.ExecWithEventAtCommit(kDecide,
                           CommentModerated{.id = event.id,
                                            .post_id = event.post_id,
                                            .content = event.content,
                                            .status = decision.status,
                                            .reason = decision.reason,
                                            .version = event.version},
                           DerivedUuid("CommentModerated/" + event.id), event.id,
                           ToString(decision.status), decision.reason);
}

}  // namespace blog::moderation

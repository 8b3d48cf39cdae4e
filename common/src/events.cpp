#include "common/events.hpp"

namespace blog {

std::string_view ToString(CommentStatus status) {
  switch (status) {
    case CommentStatus::kPending:
      return "pending";
    case CommentStatus::kApproved:
      return "approved";
    case CommentStatus::kRejected:
      return "rejected";
  }
  return "pending";
}

std::optional<CommentStatus> ParseCommentStatus(std::string_view text) {
  if (text == "pending") return CommentStatus::kPending;
  if (text == "approved") return CommentStatus::kApproved;
  if (text == "rejected") return CommentStatus::kRejected;
  return std::nullopt;
}

CommentCreated Upcast(const v1::CommentCreated& old) {
  // v1 carried `status`, always pending for a new comment: nothing else to carry over.
  return {.id = old.id, .post_id = old.post_id, .content = old.content, .version = old.version};
}

std::string_view TypeOf(const AnyEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

std::string_view SubjectOf(const AnyEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kSubject; }, event);
}

}  // namespace blog

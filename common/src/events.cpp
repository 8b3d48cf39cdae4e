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

std::string_view TypeOf(const AnyEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

std::string_view SubjectOf(const AnyEvent& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kSubject; }, event);
}

}  // namespace blog

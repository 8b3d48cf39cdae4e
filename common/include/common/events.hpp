// The event catalog: every event the blog services exchange, defined once.
//
// Each event is a plain struct that carries its CloudEvents `type`, its NATS subject and the list
// of its data fields (`Fields()`), from which the codec derives encoding, strict decoding and the
// JSON schema. No service spells a subject or a field name by hand: they use these structs.
// Adding a field: add the member and its entry in Fields(); decoding then requires it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

namespace blog {

// Moderation state of a comment: pending, then approved or rejected.
enum class CommentStatus { kPending, kApproved, kRejected };

std::string_view ToString(CommentStatus status);
// Parses "pending" / "approved" / "rejected"; nullopt for anything else.
std::optional<CommentStatus> ParseCommentStatus(std::string_view text);

// One data field of an event: its JSON key and the struct member that holds it.
template <typename Event, typename Member>
struct Field {
  std::string_view name;
  Member Event::*member;
};

template <typename Event, typename Member>
constexpr Field<Event, Member> MakeField(std::string_view name, Member Event::*member) {
  return {name, member};
}

// Stream subjects. The stream BLOG captures kEventSubjects, BLOG_DLQ captures kDeadLetterSubjects.
inline constexpr std::string_view kEventStream = "BLOG";
inline constexpr std::string_view kEventSubjects = "blog.>";
inline constexpr std::string_view kDeadLetterStream = "BLOG_DLQ";
inline constexpr std::string_view kDeadLetterSubjects = "dlq.>";

struct PostCreated {
  static constexpr std::string_view kType = "PostCreated";
  static constexpr std::string_view kSubject = "blog.post.created";
  std::string id;
  std::string title;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(MakeField("id", &PostCreated::id),
                           MakeField("title", &PostCreated::title),
                           MakeField("version", &PostCreated::version));
  }
};

struct CommentCreated {
  static constexpr std::string_view kType = "CommentCreated";
  static constexpr std::string_view kSubject = "blog.comment.created";
  std::string id;
  std::string post_id;
  std::string content;
  CommentStatus status = CommentStatus::kPending;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(MakeField("id", &CommentCreated::id),
                           MakeField("postId", &CommentCreated::post_id),
                           MakeField("content", &CommentCreated::content),
                           MakeField("status", &CommentCreated::status),
                           MakeField("version", &CommentCreated::version));
  }
};

struct CommentModerated {
  static constexpr std::string_view kType = "CommentModerated";
  static constexpr std::string_view kSubject = "blog.comment.moderated";
  std::string id;
  std::string post_id;
  std::string content;
  CommentStatus status = CommentStatus::kPending;
  std::string reason;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(MakeField("id", &CommentModerated::id),
                           MakeField("postId", &CommentModerated::post_id),
                           MakeField("content", &CommentModerated::content),
                           MakeField("status", &CommentModerated::status),
                           MakeField("reason", &CommentModerated::reason),
                           MakeField("version", &CommentModerated::version));
  }
};

// The full state of a comment after a change; the comments service is its only publisher.
struct CommentUpdated {
  static constexpr std::string_view kType = "CommentUpdated";
  static constexpr std::string_view kSubject = "blog.comment.updated";
  std::string id;
  std::string post_id;
  std::string content;
  CommentStatus status = CommentStatus::kPending;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(MakeField("id", &CommentUpdated::id),
                           MakeField("postId", &CommentUpdated::post_id),
                           MakeField("content", &CommentUpdated::content),
                           MakeField("status", &CommentUpdated::status),
                           MakeField("version", &CommentUpdated::version));
  }
};

// Any event of the catalog; the order of alternatives is the catalog's order.
using AnyEvent = std::variant<PostCreated, CommentCreated, CommentModerated, CommentUpdated>;

// The CloudEvents type name of whichever event `event` holds.
std::string_view TypeOf(const AnyEvent& event);
// The subject of whichever event `event` holds.
std::string_view SubjectOf(const AnyEvent& event);

}  // namespace blog

// The event catalog: every event the blog services exchange, defined once.
//
// Each event is a plain struct that carries its CloudEvents `type`, its NATS subject, its major
// version and the list of its data fields (`Fields()`, see event_field.hpp), from which the codec
// derives encoding, decoding and the JSON Schema. No service spells a subject or a field name by
// hand: they use these structs.
//
// Changing an event (the rules are checked against docs/schemas by the `event_contract` test):
// - adding an optional field (a std::optional member, `= std::nullopt` so that existing
//   initializers may leave it out) keeps the version: old consumers ignore the new key, new
//   consumers read old events as "absent";
// - anything else (removing, renaming or retyping a field, rewording its meaning, making it
//   required, adding a required field) needs a new major version: move the old struct, frozen,
//   to event_history.hpp, raise kVersion, list the old struct in OlderVersions and write an
//   Upcast() from it below, so that every stored event still decodes into the current struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

#include "common/event_field.hpp"
#include "common/event_history.hpp"

namespace blog {

// Stream subjects. The stream BLOG captures kEventSubjects, BLOG_DLQ captures kDeadLetterSubjects.
inline constexpr std::string_view kEventStream = "BLOG";
inline constexpr std::string_view kEventSubjects = "blog.>";
inline constexpr std::string_view kDeadLetterStream = "BLOG_DLQ";
inline constexpr std::string_view kDeadLetterSubjects = "dlq.>";

struct PostCreated {
  static constexpr std::string_view kType = "PostCreated";
  static constexpr std::string_view kSubject = "blog.post.created";
  static constexpr int kVersion = 1;
  std::string id;
  std::string title;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(
        MakeField("id", &PostCreated::id, "The post's id (a UUID)."),
        MakeField("title", &PostCreated::title, "The post's title."),
        MakeField("version", &PostCreated::version, "The post's version: 0 when created."));
  }
};

// A new comment, pending moderation. v2 dropped v1's `status`: it was always pending.
struct CommentCreated {
  static constexpr std::string_view kType = "CommentCreated";
  static constexpr std::string_view kSubject = "blog.comment.created";
  static constexpr int kVersion = 2;
  using OlderVersions = std::tuple<v1::CommentCreated>;
  std::string id;
  std::string post_id;
  std::string content;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(
        MakeField("id", &CommentCreated::id, "The comment's id (a UUID)."),
        MakeField("postId", &CommentCreated::post_id, "The id of the comment's post (a UUID)."),
        MakeField("content", &CommentCreated::content, "The comment's text."),
        MakeField("version", &CommentCreated::version,
                  "The comment's version: 0 when created, one more after each change."));
  }
};

struct CommentModerated {
  static constexpr std::string_view kType = "CommentModerated";
  static constexpr std::string_view kSubject = "blog.comment.moderated";
  static constexpr int kVersion = 1;
  std::string id;
  std::string post_id;
  std::string content;
  CommentStatus status = CommentStatus::kPending;
  std::string reason;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(
        MakeField("id", &CommentModerated::id, "The comment's id (a UUID)."),
        MakeField("postId", &CommentModerated::post_id, "The id of the comment's post (a UUID)."),
        MakeField("content", &CommentModerated::content, "The text that was moderated."),
        MakeField("status", &CommentModerated::status, "The decision: approved or rejected."),
        MakeField("reason", &CommentModerated::reason,
                  "Why the comment was rejected; empty when approved."),
        MakeField("version", &CommentModerated::version,
                  "The version of the comment that was moderated."));
  }
};

// The full state of a comment after a change; the comments service is its only publisher.
struct CommentUpdated {
  static constexpr std::string_view kType = "CommentUpdated";
  static constexpr std::string_view kSubject = "blog.comment.updated";
  static constexpr int kVersion = 1;
  std::string id;
  std::string post_id;
  std::string content;
  CommentStatus status = CommentStatus::kPending;
  std::int64_t version = 0;
  std::optional<std::string> reason = std::nullopt;  // added to v1 as an optional field
  static constexpr auto Fields() {
    return std::make_tuple(
        MakeField("id", &CommentUpdated::id, "The comment's id (a UUID)."),
        MakeField("postId", &CommentUpdated::post_id, "The id of the comment's post (a UUID)."),
        MakeField("content", &CommentUpdated::content, "The comment's text."),
        MakeField("status", &CommentUpdated::status, "The comment's moderation state."),
        MakeField("version", &CommentUpdated::version,
                  "The comment's version after the change; the highest one is the current state."),
        MakeField("reason", &CommentUpdated::reason,
                  "Why the comment was rejected; absent when it was not, or when the producer "
                  "predates this field."));
  }
};

// Upcasters: each turns a stored older version into the next one (see OlderVersions).
CommentCreated Upcast(const v1::CommentCreated& old);

// Any event of the catalog, in its current version; the order of alternatives is the catalog's.
using AnyEvent = std::variant<PostCreated, CommentCreated, CommentModerated, CommentUpdated>;

// The CloudEvents type name of whichever event `event` holds.
std::string_view TypeOf(const AnyEvent& event);
// The subject of whichever event `event` holds.
std::string_view SubjectOf(const AnyEvent& event);

}  // namespace blog

// Older major versions of the catalog's events (events.hpp), kept so that every event already in
// the stream stays readable: the codec decodes a stored event as the version its `dataschema`
// names (v1 when it has none) and upcasts it to the current struct.
//
// A struct here is frozen: it is the contract of events already stored, committed as
// docs/schemas/<Type>/v<N>.json, and the contract check fails when it changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "common/event_field.hpp"

namespace blog::v1 {

// CommentCreated as published until v2: it also carried `status`, always "pending".
struct CommentCreated {
  static constexpr std::string_view kType = "CommentCreated";
  static constexpr int kVersion = 1;
  std::string id;
  std::string post_id;
  std::string content;
  CommentStatus status = CommentStatus::kPending;
  std::int64_t version = 0;
  static constexpr auto Fields() {
    return std::make_tuple(
        MakeField("id", &CommentCreated::id, "The comment's id (a UUID)."),
        MakeField("postId", &CommentCreated::post_id, "The id of the comment's post (a UUID)."),
        MakeField("content", &CommentCreated::content, "The comment's text."),
        MakeField("status", &CommentCreated::status,
                  "The comment's moderation state; always pending when it is created."),
        MakeField("version", &CommentCreated::version,
                  "The comment's version: 0 when created, one more after each change."));
  }
};

}  // namespace blog::v1

// The parts an event struct (events.hpp) is made of: its data fields and the value types a field
// may have. The codec, the JSON Schemas and the contract check are all derived from these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace blog {

// Moderation state of a comment: pending, then approved or rejected.
enum class CommentStatus { kPending, kApproved, kRejected };

std::string_view ToString(CommentStatus status);
// Parses "pending" / "approved" / "rejected"; nullopt for anything else.
std::optional<CommentStatus> ParseCommentStatus(std::string_view text);

// One data field of an event: its JSON key, the struct member that holds it, and its meaning.
// The meaning is part of the contract (it is the field's description in the JSON Schema): a
// consumer relies on it as much as on the type, so rewording it is a breaking change.
// A member may be std::string, std::int64_t or CommentStatus (required: decoding refuses an
// event without it), or std::optional of one of them (optional: left out of the JSON when empty,
// empty when absent).
template <typename Event, typename Member>
struct Field {
  std::string_view name;
  Member Event::*member;
  std::string_view meaning;
};

template <typename Event, typename Member>
constexpr Field<Event, Member> MakeField(std::string_view name, Member Event::*member,
                                         std::string_view meaning) {
  return {name, member, meaning};
}

template <typename T>
struct IsOptionalField : std::false_type {};
template <typename T>
struct IsOptionalField<std::optional<T>> : std::true_type {};

// The older major versions of event `E` that can still be read, oldest first: E::OlderVersions
// when the struct declares it, else none. Each older struct is upgraded by an Upcast() overload
// returning the next version (see events.hpp).
template <typename E>
struct OlderVersionsOf {
  using type = std::tuple<>;
};
template <typename E>
requires requires { typename E::OlderVersions; }
struct OlderVersionsOf<E> {
  using type = typename E::OlderVersions;
};

}  // namespace blog

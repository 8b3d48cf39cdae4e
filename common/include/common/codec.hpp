// CloudEvents 1.0 envelope (structured JSON mode) for the events of events.hpp.
//
//   {"specversion":"1.0","id":"<uuid>","source":"/comments","type":"CommentUpdated",
//    "time":"2026-11-28T12:00:00.123Z","datacontenttype":"application/json","data":{...}}
//
// Decoding is strict: every envelope attribute and data field must be present with its JSON type,
// unknown event types, invalid UTF-8 and payloads over kMaxEventBytes are refused. Every failure
// throws DecodeError naming the offending field ("data.postId", "type", ...). Unknown extra keys
// are ignored so that a newer producer can add optional fields. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "common/events.hpp"

namespace blog {

inline constexpr std::size_t kMaxEventBytes = 64 * 1024;

// Envelope attributes of one event occurrence.
struct EventMeta {
  std::string id;      // unique per occurrence; also the Nats-Msg-Id and the inbox key
  std::string source;  // "/posts", "/comments", ...
  std::string time;    // RFC 3339 UTC with milliseconds
};

struct DecodedEvent {
  EventMeta meta;
  AnyEvent event;
};

// Encodes `event` with its envelope. Never throws for a well-formed event.
std::string EncodeEvent(const AnyEvent& event, const EventMeta& meta);

// Decodes one stored message; throws DecodeError.
DecodedEvent DecodeEvent(std::string_view bytes);

// Decodes only the `data` object of an event of type `type` (used by tests and tools).
AnyEvent DecodeEventData(std::string_view type, std::string_view data_json);

// Encodes only the `data` object of `event`.
std::string EncodeEventData(const AnyEvent& event);

}  // namespace blog

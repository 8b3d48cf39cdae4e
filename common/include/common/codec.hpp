// CloudEvents 1.0 envelope (structured JSON mode) for the events of events.hpp.
//
//   {"specversion":"1.0","id":"<uuid>","source":"/comments","type":"CommentUpdated",
//    "dataschema":"https://blog.example/schemas/CommentUpdated/v1.json",
//    "time":"2026-11-28T12:00:00.123Z","datacontenttype":"application/json","data":{...}}
//
// Versions: `type` is the event's name, the same in every version, so that subjects, durable
// consumers and the course's readers keyed on `type` never change; `dataschema` names the major
// version of `data` (a new URI only for a breaking change, as CloudEvents asks). An event without
// `dataschema` (everything stored before versions existed) is v1. Decoding reads the stored
// version and upcasts it to the current struct (events.hpp), so a replay from the first event
// yields current structs only; a version newer than this build refuses with DecodeError.
//
// Decoding is strict: every envelope attribute and required data field must be present with its
// JSON type, unknown event types, invalid UTF-8 and payloads over kMaxEventBytes are refused.
// Every failure throws DecodeError naming the offending field ("data.postId", "type", ...).
// Unknown extra keys are ignored so that a newer producer can add optional fields. Thread-safe
// (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "common/events.hpp"

namespace blog {

inline constexpr std::size_t kMaxEventBytes = 64 * 1024;

// The base URI of the event schemas: "<kSchemaBaseUri><Type>/v<N>.json" (docs/schemas/).
inline constexpr std::string_view kSchemaBaseUri = "https://blog.example/schemas/";

// The `dataschema` of major version `version` of event type `type`.
std::string DataSchemaUri(std::string_view type, int version);

// Envelope attributes of one event occurrence.
struct EventMeta {
  std::string id;      // unique per occurrence; also the Nats-Msg-Id and the inbox key
  std::string source;  // "/posts", "/comments", ...
  std::string time;    // RFC 3339 UTC with milliseconds
};

struct DecodedEvent {
  EventMeta meta;
  AnyEvent event;          // always the current version
  int stored_version = 0;  // the major version as stored, before upcasting
};

// Encodes `event` in its current version with its envelope. Never throws for a well-formed
// event.
std::string EncodeEvent(const AnyEvent& event, const EventMeta& meta);

// Decodes one stored message of any version this build reads; throws DecodeError.
DecodedEvent DecodeEvent(std::string_view bytes);

// Decodes only the `data` object of an event of type `type` in its current version (used by tests
// and tools).
AnyEvent DecodeEventData(std::string_view type, std::string_view data_json);

// Encodes only the `data` object of `event`.
std::string EncodeEventData(const AnyEvent& event);

}  // namespace blog

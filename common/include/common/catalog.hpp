// The event catalog as data: for every event type of AnyEvent, its subject, which services
// publish and consume it, and for each of its versions a JSON Schema and an example. Documents
// (AsyncAPI, JSON Schema files), checks and operator tools (blogctl) are generated from this, so
// they cannot drift from the structs in events.hpp.
//
// Schemas and examples are derived from each struct's Fields(), for the current version and every
// older one still read (event_history.hpp); only the flow (who publishes and who consumes what)
// is declared here, by event type, and a test compares it with the durable consumers the running
// services create. Everything is built once, immutable, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace blog {

// One major version of an event's data, as its producers and consumers see it.
struct EventVersion {
  int version = 0;                    // 1, 2, ...
  std::string dataschema;             // its CloudEvents `dataschema`, also its schema's $id
  std::vector<std::string> fields;    // data keys in declaration order
  std::vector<std::string> optional;  // the keys among them that may be absent
  // JSON Schema (draft 2020-12) of the whole CloudEvents envelope with its `data`, one compact
  // JSON document; `data` requires every field but the optional ones, extra keys are allowed (a
  // newer producer may add optional ones, the codec ignores them). Each field carries its meaning
  // as `description`.
  std::string schema_json;
  // JSON Schema of `data` alone (compact JSON).
  std::string data_schema_json;
  // A complete example event (compact JSON) of this version that DecodeEvent reads.
  std::string example_json;
};

struct EventDescription {
  std::string type;                    // CloudEvents type, e.g. "CommentCreated"
  std::string subject;                 // NATS subject, e.g. "blog.comment.created"
  std::vector<std::string> producers;  // services that publish it
  std::vector<std::string> consumers;  // services with a durable consumer for it
  // Every version this build reads, oldest first; producers publish the last one.
  std::vector<EventVersion> versions;
  const EventVersion& Current() const { return versions.back(); }
};

// Every event, in AnyEvent's order.
const std::vector<EventDescription>& EventCatalog();

// The event of type `type`, nullptr when the catalog has none.
const EventDescription* FindEvent(std::string_view type);

// Every service named in the flow, in pipeline order: posts, comments, moderation, query.
const std::vector<std::string>& CatalogServices();

// The event types `service` consumes, in catalog order (empty for an unknown service).
std::vector<std::string> ConsumedBy(std::string_view service);

// The event types `service` publishes, in catalog order.
std::vector<std::string> PublishedBy(std::string_view service);

}  // namespace blog

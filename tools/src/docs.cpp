#include "docs.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "common/catalog.hpp"
#include "common/dead_letter.hpp"
#include "common/events.hpp"
#include "common/listener.hpp"

#include "yaml.hpp"

namespace blog::ctl {
namespace {

using rapidjson::Value;
using Doc = rapidjson::Document;

constexpr std::string_view kExampleTraceparent =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

Value S(Doc& d, std::string_view text) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), d.GetAllocator());
}

Value Parse(Doc& d, const std::string& json) {
  Doc parsed(&d.GetAllocator());
  parsed.Parse(json.c_str(), json.size());
  return Value(parsed, d.GetAllocator());
}

Value Ref(Doc& d, const std::string& target) {
  Value v(rapidjson::kObjectType);
  v.AddMember("$ref", S(d, target), d.GetAllocator());
  return v;
}

std::string PrettyJson(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

Value StringProperty(Doc& d, std::string_view description) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "string", d.GetAllocator());
  v.AddMember("description", S(d, description), d.GetAllocator());
  return v;
}

// The NATS headers every event carries.
Value EventHeadersSchema(Doc& d) {
  auto& a = d.GetAllocator();
  Value props(rapidjson::kObjectType);
  props.AddMember(S(d, kMsgIdHeader),
                  StringProperty(d,
                                 "The event id: JetStream drops a repeat within the stream's "
                                 "duplicate window (requeued dead letters get a new one)."),
                  a);
  Value trace = StringProperty(d,
                               "W3C trace context, created at the HTTP edge and carried "
                               "through the outbox and every hop.");
  trace.AddMember("pattern", "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", a);
  props.AddMember(S(d, kTraceParentHeader), trace, a);
  Value required(rapidjson::kArrayType);
  required.PushBack(S(d, kMsgIdHeader), a);
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "object", a);
  v.AddMember("required", required, a);
  v.AddMember("properties", props, a);
  return v;
}

Value DeadLetterHeadersSchema(Doc& d) {
  auto& a = d.GetAllocator();
  Value props(rapidjson::kObjectType);
  props.AddMember(S(d, kDlqErrorHeader), StringProperty(d, "Why the consumer gave up."), a);
  props.AddMember(S(d, kDlqSubjectHeader), StringProperty(d, "Subject of the original event."), a);
  props.AddMember(S(d, kDlqSequenceHeader),
                  StringProperty(d, "Sequence of the original event on stream BLOG."), a);
  props.AddMember(S(d, kDlqConsumerHeader), StringProperty(d, "The durable consumer."), a);
  props.AddMember(S(d, kMsgIdHeader), StringProperty(d, "<consumer>:<original sequence>"), a);
  props.AddMember(S(d, kTraceParentHeader), StringProperty(d, "The original traceparent."), a);
  Value required(rapidjson::kArrayType);
  for (auto name : {kDlqErrorHeader, kDlqSubjectHeader, kDlqSequenceHeader, kDlqConsumerHeader}) {
    required.PushBack(S(d, name), a);
  }
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "object", a);
  v.AddMember("required", required, a);
  v.AddMember("properties", props, a);
  return v;
}

// "CommentCreated.v2": the key of one version's message and schema in the AsyncAPI document.
std::string Key(const EventDescription& e, const EventVersion& v) {
  return e.type + ".v" + std::to_string(v.version);
}

// A producer sends the current version; a consumer receives every version (older ones are
// upcast when decoded).
Value Operation(Doc& d, const EventDescription& e, const std::string& service, bool send) {
  auto& a = d.GetAllocator();
  Value op(rapidjson::kObjectType);
  op.AddMember("action", rapidjson::StringRef(send ? "send" : "receive"), a);
  op.AddMember("channel", Ref(d, "#/channels/" + e.type), a);
  const std::string consumer = ConsumerName(service, e.type);
  const std::string current = "v" + std::to_string(e.Current().version);
  op.AddMember(
      "summary",
      S(d, send ? service + " publishes " + e.type + " " + current +
                      " through its transactional outbox."
                : service + " consumes " + e.type + " (every version, read as " + current +
                      ") with durable consumer " + consumer + " (shared by its replicas)."),
      a);
  Value messages(rapidjson::kArrayType);
  for (const auto& v : e.versions) {
    if (send && v.version != e.Current().version) continue;
    messages.PushBack(Ref(d, "#/channels/" + e.type + "/messages/" + Key(e, v)), a);
  }
  op.AddMember("messages", messages, a);
  op.AddMember("x-service", S(d, service), a);
  if (!send) op.AddMember("x-durable-consumer", S(d, consumer), a);
  return op;
}

Value Message(Doc& d, const EventDescription& e, const EventVersion& v) {
  auto& a = d.GetAllocator();
  Value m(rapidjson::kObjectType);
  m.AddMember("name", S(d, e.type), a);
  m.AddMember("title", S(d, e.type + " v" + std::to_string(v.version)), a);
  std::string consumers;
  for (const auto& c : e.consumers) consumers += (consumers.empty() ? "" : ", ") + c;
  const bool current = v.version == e.Current().version;
  m.AddMember("summary",
              S(d, std::string(current ? "Current version, published"
                                       : "Older version, still "
                                         "read from the stream; "
                                         "published before") +
                       " by " + (e.producers.empty() ? "-" : e.producers.front()) +
                       ", consumed by " + (consumers.empty() ? "-" : consumers) + "."),
              a);
  m.AddMember("contentType", "application/json", a);
  m.AddMember("headers", Ref(d, "#/components/schemas/EventHeaders"), a);
  m.AddMember("payload", Ref(d, "#/components/schemas/" + Key(e, v)), a);
  Value example(rapidjson::kObjectType);
  example.AddMember("name", "example", a);
  Value payload = Parse(d, v.example_json);
  Value headers(rapidjson::kObjectType);
  headers.AddMember(S(d, kMsgIdHeader), Value(payload["id"], a), a);
  headers.AddMember(S(d, kTraceParentHeader), S(d, kExampleTraceparent), a);
  example.AddMember("headers", headers, a);
  example.AddMember("payload", payload, a);
  Value examples(rapidjson::kArrayType);
  examples.PushBack(example, a);
  m.AddMember("examples", examples, a);
  m.AddMember("x-version", v.version, a);
  m.AddMember("x-dataschema", S(d, v.dataschema), a);
  return m;
}

// The envelope schema in AsyncAPI's default schema format (draft-07 keywords only): the catalog's
// draft 2020-12 schema without $schema and $id, which use no keyword that differs between them.
Value AsyncApiSchema(Doc& d, const EventVersion& v) {
  Value schema = Parse(d, v.schema_json);
  schema.RemoveMember("$schema");
  schema.RemoveMember("$id");
  return schema;
}

Value DeadLetterChannel(Doc& d) {
  auto& a = d.GetAllocator();
  Value consumers(rapidjson::kArrayType);
  for (const auto& e : EventCatalog()) {
    for (const auto& s : e.consumers) consumers.PushBack(S(d, ConsumerName(s, e.type)), a);
  }
  Value parameter(rapidjson::kObjectType);
  parameter.AddMember("description", "The durable consumer that gave up.", a);
  parameter.AddMember("enum", consumers, a);
  Value parameters(rapidjson::kObjectType);
  parameters.AddMember("consumer", parameter, a);
  Value messages(rapidjson::kObjectType);
  messages.AddMember("DeadLetter", Ref(d, "#/components/messages/DeadLetter"), a);
  Value c(rapidjson::kObjectType);
  c.AddMember("address", "dlq.{consumer}", a);
  c.AddMember("title", "Dead letters (stream BLOG_DLQ)", a);
  c.AddMember("description",
              "Events a consumer could not decode, or whose handler failed MAX_DELIVER times, "
              "copied here before the original is terminated. Inspect and requeue them with "
              "blogctl dlq.",
              a);
  c.AddMember("parameters", parameters, a);
  c.AddMember("messages", messages, a);
  return c;
}

Value AsyncApi(Doc& d) {
  auto& a = d.GetAllocator();
  Value root(rapidjson::kObjectType);
  root.AddMember("asyncapi", "3.0.0", a);
  Value info(rapidjson::kObjectType);
  info.AddMember("title", "Blog events", a);
  info.AddMember("version", "1.0.0", a);
  info.AddMember("description",
                 "Events of the blog backend on NATS JetStream. Stream BLOG stores every event "
                 "(subjects blog.>); stream BLOG_DLQ the dead letters (dlq.>). Each event is a "
                 "CloudEvents 1.0 JSON document (structured mode) whose dataschema names the "
                 "major version of its data; each channel lists every version its consumers "
                 "read, the last one being what producers publish. Generated by `blogctl schema` "
                 "from common/include/common/events.hpp: do not edit.",
                 a);
  root.AddMember("info", info, a);
  root.AddMember("defaultContentType", "application/json", a);
  Value server(rapidjson::kObjectType);
  server.AddMember("host", "127.0.0.1:4222", a);
  server.AddMember("protocol", "nats", a);
  server.AddMember("description", "The local nats-server of ./blog up (JetStream enabled).", a);
  Value servers(rapidjson::kObjectType);
  servers.AddMember("local", server, a);
  root.AddMember("servers", servers, a);

  Value channels(rapidjson::kObjectType);
  Value operations(rapidjson::kObjectType);
  Value messages(rapidjson::kObjectType);
  Value schemas(rapidjson::kObjectType);
  for (const auto& e : EventCatalog()) {
    Value channel_messages(rapidjson::kObjectType);
    for (const auto& v : e.versions) {
      channel_messages.AddMember(S(d, Key(e, v)), Ref(d, "#/components/messages/" + Key(e, v)), a);
    }
    Value channel(rapidjson::kObjectType);
    channel.AddMember("address", S(d, e.subject), a);
    channel.AddMember("title", S(d, e.type + " events"), a);
    channel.AddMember("messages", channel_messages, a);
    channels.AddMember(S(d, e.type), channel, a);
    for (const auto& p : e.producers)
      operations.AddMember(S(d, p + "-sends-" + e.type), Operation(d, e, p, true), a);
    for (const auto& c : e.consumers)
      operations.AddMember(S(d, c + "-receives-" + e.type), Operation(d, e, c, false), a);
    for (const auto& v : e.versions) {
      messages.AddMember(S(d, Key(e, v)), Message(d, e, v), a);
      schemas.AddMember(S(d, Key(e, v)), AsyncApiSchema(d, v), a);
    }
  }
  channels.AddMember("DeadLetters", DeadLetterChannel(d), a);
  Value dead_op(rapidjson::kObjectType);
  dead_op.AddMember("action", "send", a);
  dead_op.AddMember("channel", Ref(d, "#/channels/DeadLetters"), a);
  dead_op.AddMember("summary", "Every listener dead-letters the events it gives up on.", a);
  Value dead_messages(rapidjson::kArrayType);
  dead_messages.PushBack(Ref(d, "#/channels/DeadLetters/messages/DeadLetter"), a);
  dead_op.AddMember("messages", dead_messages, a);
  operations.AddMember("listeners-send-DeadLetter", dead_op, a);

  Value dead(rapidjson::kObjectType);
  dead.AddMember("name", "DeadLetter", a);
  dead.AddMember("title", "DeadLetter", a);
  dead.AddMember("summary", "The original message's bytes, unchanged, with why it failed.", a);
  dead.AddMember("headers", Ref(d, "#/components/schemas/DeadLetterHeaders"), a);
  Value any(rapidjson::kObjectType);
  any.AddMember("description", "The original body (an event above, or undecodable bytes).", a);
  dead.AddMember("payload", any, a);
  messages.AddMember("DeadLetter", dead, a);
  schemas.AddMember("EventHeaders", EventHeadersSchema(d), a);
  schemas.AddMember("DeadLetterHeaders", DeadLetterHeadersSchema(d), a);

  root.AddMember("channels", channels, a);
  root.AddMember("operations", operations, a);
  Value components(rapidjson::kObjectType);
  components.AddMember("messages", messages, a);
  components.AddMember("schemas", schemas, a);
  root.AddMember("components", components, a);
  return root;
}

}  // namespace

std::string SchemaFile(std::string_view type, int version) {
  return "schemas/" + std::string(type) + "/v" + std::to_string(version) + ".json";
}

std::map<std::string, std::string> GenerateEventDocs() {
  std::map<std::string, std::string> files;
  Doc d;
  const Value asyncapi = AsyncApi(d);
  files["asyncapi.json"] = PrettyJson(asyncapi);
  files["asyncapi.yaml"] =
      "# Generated by `blogctl schema` from the event catalog: do not edit.\n" + ToYaml(asyncapi);
  for (const auto& e : EventCatalog()) {
    for (const auto& v : e.versions) {
      Value schema = Parse(d, v.schema_json);
      Value examples(rapidjson::kArrayType);
      examples.PushBack(Parse(d, v.example_json), d.GetAllocator());
      schema.AddMember("examples", examples, d.GetAllocator());
      files[SchemaFile(e.type, v.version)] = PrettyJson(schema);
    }
  }
  return files;
}

}  // namespace blog::ctl

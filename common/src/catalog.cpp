#include "common/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <variant>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/ascii.hpp"
#include "common/codec.hpp"
#include "common/events.hpp"
#include "common/ids.hpp"

#include "event_json.hpp"

namespace blog {
namespace {

using Value = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// ---- The flow: the one hand-written part, named by the event structs themselves. ----

template <typename... Events>
std::vector<std::string> Types() {
  return {std::string(Events::kType)...};
}

struct ServiceFlow {
  std::string service;
  std::vector<std::string> publishes;
  std::vector<std::string> consumes;
};

const std::vector<ServiceFlow>& Flows() {
  static const std::vector<ServiceFlow> flows = {
      {"posts", Types<PostCreated>(), {}},
      {"comments", Types<CommentCreated, CommentUpdated>(), Types<PostCreated, CommentModerated>()},
      {"moderation", Types<CommentModerated>(), Types<CommentCreated>()},
      {"query", {}, Types<PostCreated, CommentCreated, CommentUpdated>()},
  };
  return flows;
}

// Every value of CommentStatus; its JSON spelling comes from ToString().
constexpr CommentStatus kStatuses[] = {CommentStatus::kPending, CommentStatus::kApproved,
                                       CommentStatus::kRejected};

// ---- JSON Schema of one field, chosen by the member's C++ type. ----

Value Str(std::string_view text, Allocator& a) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
}

Value FieldSchema(const std::string* /*tag*/, Allocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "string", a);
  return v;
}

Value FieldSchema(const std::int64_t* /*tag*/, Allocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "integer", a);
  return v;
}

Value FieldSchema(const CommentStatus* /*tag*/, Allocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "string", a);
  Value values(rapidjson::kArrayType);
  for (const auto status : kStatuses) values.PushBack(Str(ToString(status), a), a);
  v.AddMember("enum", values, a);
  return v;
}

template <typename T>
Value FieldSchema(const std::optional<T>* /*tag*/, Allocator& a) {
  return FieldSchema(static_cast<const T*>(nullptr), a);
}

// ---- Example values, derived from the key: "<x>Id" and "id" are UUIDs of entity x. ----

// "CommentCreated" -> "comment": the entity an event is about.
std::string Entity(std::string_view type) {
  std::string out;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(type[i]))) break;
    out += AsciiLower(type[i]);
  }
  return out;
}

std::string ExampleString(std::string_view type, std::string_view key) {
  if (key == "id") return DerivedUuid("example-" + Entity(type));
  if (key.size() > 2 && key.substr(key.size() - 2) == "Id") {
    return DerivedUuid("example-" + std::string(key.substr(0, key.size() - 2)));
  }
  return "Example " + std::string(key);
}

void SetExample(std::string_view type, std::string_view key, std::string& out) {
  out = ExampleString(type, key);
}
void SetExample(std::string_view /*type*/, std::string_view /*key*/, std::int64_t& /*out*/) {}
void SetExample(std::string_view /*type*/, std::string_view /*key*/, CommentStatus& /*out*/) {}
template <typename T>
void SetExample(std::string_view type, std::string_view key, std::optional<T>& out) {
  SetExample(type, key, out.emplace());
}

std::string Compact(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

Value StringSchema(Allocator& a, std::string_view description) {
  Value v(rapidjson::kObjectType);
  v.AddMember("type", "string", a);
  v.AddMember("description", Str(description, a), a);
  return v;
}

Value ConstSchema(Allocator& a, std::string_view value) {
  Value v(rapidjson::kObjectType);
  v.AddMember("const", Str(value, a), a);
  return v;
}

// The envelope schema of version `v` of event `e` around `data_schema` (CloudEvents 1.0,
// structured JSON mode). Events stored before versions existed have no `dataschema`: v1 allows
// that, later versions require it.
Value EnvelopeSchema(const EventDescription& e, const EventVersion& v, const Value& data_schema,
                     Allocator& a) {
  Value s(rapidjson::kObjectType);
  s.AddMember("$schema", "https://json-schema.org/draft/2020-12/schema", a);
  s.AddMember("$id", Str(v.dataschema, a), a);
  const std::string version = "v" + std::to_string(v.version);
  s.AddMember("title", Str(e.type + " " + version, a), a);
  s.AddMember("description",
              Str("CloudEvents 1.0 event " + e.type + ", version " + std::to_string(v.version) +
                      ", on subject " + e.subject + " (structured JSON mode).",
                  a),
              a);
  s.AddMember("type", "object", a);
  Value required(rapidjson::kArrayType);
  for (const char* key :
       {"specversion", "id", "source", "type", "dataschema", "time", "datacontenttype", "data"}) {
    if (std::string_view(key) == "dataschema" && v.version == 1) continue;
    required.PushBack(Value(rapidjson::StringRef(key)), a);
  }
  s.AddMember("required", required, a);
  Value props(rapidjson::kObjectType);
  props.AddMember("specversion", ConstSchema(a, "1.0"), a);
  Value id = StringSchema(a,
                          "Unique per occurrence; also the Nats-Msg-Id header and the "
                          "consumers' inbox key.");
  id.AddMember("minLength", 1, a);
  id.AddMember("maxLength", 200, a);
  props.AddMember("id", id, a);
  Value source = StringSchema(a, "The producing service, e.g. \"/comments\".");
  source.AddMember("minLength", 1, a);
  props.AddMember("source", source, a);
  props.AddMember("type", ConstSchema(a, e.type), a);
  Value dataschema = ConstSchema(a, v.dataschema);
  dataschema.AddMember(
      "description",
      Str(v.version == 1 ? "The version of data. Events stored before versions existed have none."
                         : "The version of data.",
          a),
      a);
  props.AddMember("dataschema", dataschema, a);
  Value time = StringSchema(a, "When the event occurred, RFC 3339 UTC.");
  time.AddMember("format", "date-time", a);
  props.AddMember("time", time, a);
  props.AddMember("datacontenttype", ConstSchema(a, "application/json"), a);
  props.AddMember("data", Value(data_schema, a), a);
  s.AddMember("properties", props, a);
  return s;
}

// Version `V::kVersion` of the event described by `e`; `V` is its current or an older struct.
template <typename V>
EventVersion DescribeVersion(const EventDescription& e) {
  EventVersion v;
  v.version = V::kVersion;
  v.dataschema = DataSchemaUri(e.type, v.version);
  rapidjson::Document doc;
  auto& a = doc.GetAllocator();
  Value data(rapidjson::kObjectType);
  data.AddMember("type", "object", a);
  Value required(rapidjson::kArrayType);
  Value props(rapidjson::kObjectType);
  V example{};
  const auto describe = [&](const auto& field) {
    auto& value = example.*(field.member);
    v.fields.emplace_back(field.name);
    if constexpr (IsOptionalField<std::decay_t<decltype(value)>>::value) {
      v.optional.emplace_back(field.name);
    } else {
      required.PushBack(Str(field.name, a), a);
    }
    Value schema = FieldSchema(&value, a);
    schema.AddMember("description", Str(field.meaning, a), a);
    props.AddMember(Str(field.name, a), schema, a);
    SetExample(e.type, field.name, value);
  };
  std::apply([&](const auto&... field) { (describe(field), ...); }, V::Fields());
  data.AddMember("required", required, a);
  data.AddMember("properties", props, a);
  v.data_schema_json = Compact(data);
  v.schema_json = Compact(EnvelopeSchema(e, v, data, a));

  const std::string source = e.producers.empty() ? "/example" : "/" + e.producers.front();
  const std::string suffix = v.version == 1 ? "" : "/v" + std::to_string(v.version);
  v.example_json = event_json::EventJson(
      example, EventMeta{.id = DerivedUuid("example-event-" + e.type + suffix),
                         .source = source,
                         .time = "2026-01-01T12:00:00.000Z"});
  return v;
}

template <typename E, typename... Older>
void DescribeVersions(EventDescription& e, std::tuple<Older...>* /*tag*/) {
  (e.versions.push_back(DescribeVersion<Older>(e)), ...);
  e.versions.push_back(DescribeVersion<E>(e));
}

template <typename E>
EventDescription Describe() {
  EventDescription e;
  e.type = std::string(E::kType);
  e.subject = std::string(E::kSubject);
  for (const auto& flow : Flows()) {
    const auto has = [&](const std::vector<std::string>& types) {
      return std::find(types.begin(), types.end(), e.type) != types.end();
    };
    if (has(flow.publishes)) e.producers.push_back(flow.service);
    if (has(flow.consumes)) e.consumers.push_back(flow.service);
  }
  DescribeVersions<E>(e, static_cast<typename OlderVersionsOf<E>::type*>(nullptr));
  return e;
}

template <std::size_t... I>
std::vector<EventDescription> DescribeAll(std::index_sequence<I...> /*unused*/) {
  return {Describe<std::variant_alternative_t<I, AnyEvent>>()...};
}

std::vector<std::string> Filter(std::string_view service, bool publishes) {
  for (const auto& flow : Flows()) {
    if (flow.service == service) return publishes ? flow.publishes : flow.consumes;
  }
  return {};
}

}  // namespace

const std::vector<EventDescription>& EventCatalog() {
  static const std::vector<EventDescription> catalog =
      DescribeAll(std::make_index_sequence<std::variant_size_v<AnyEvent>>());
  return catalog;
}

const EventDescription* FindEvent(std::string_view type) {
  for (const auto& e : EventCatalog()) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

const std::vector<std::string>& CatalogServices() {
  static const std::vector<std::string> services = [] {
    std::vector<std::string> out;
    for (const auto& flow : Flows()) out.push_back(flow.service);
    return out;
  }();
  return services;
}

std::vector<std::string> ConsumedBy(std::string_view service) { return Filter(service, false); }

std::vector<std::string> PublishedBy(std::string_view service) { return Filter(service, true); }

}  // namespace blog

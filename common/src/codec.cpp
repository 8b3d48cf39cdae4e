#include "common/codec.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <type_traits>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "common/json.hpp"

#include "event_json.hpp"

namespace blog {
namespace {

using event_json::Find;
using event_json::ReadData;
using event_json::ReadValue;

// Applies Upcast() until the stored struct has become the current one.
template <typename Current, typename Stored>
Current UpcastToCurrent(Stored stored) {
  if constexpr (std::is_same_v<Current, Stored>) {
    return stored;
  } else {
    return UpcastToCurrent<Current>(Upcast(stored));
  }
}

std::string UnknownVersion(std::string_view type, int version, int current) {
  const std::string name = std::string(type) + " v" + std::to_string(version);
  if (version > current) {
    return name + " is newer than this build, which reads up to v" + std::to_string(current) +
           ": upgrade this consumer, then requeue the event";
  }
  return name + " is not a version this build reads (v1 to v" + std::to_string(current) + ")";
}

// Reads `data` as major version `version` of event `E` and upcasts it to the current struct.
template <typename E, std::size_t I = 0>
E ReadVersion(int version, const rapidjson::Value& data) {
  using Older = typename OlderVersionsOf<E>::type;
  if constexpr (I == std::tuple_size_v<Older>) {
    if (version == E::kVersion) return ReadData<E>(data);
    throw DecodeError(UnknownVersion(E::kType, version, E::kVersion), "dataschema");
  } else {
    using Old = std::tuple_element_t<I, Older>;
    if (version == Old::kVersion) return UpcastToCurrent<E>(ReadData<Old>(data));
    return ReadVersion<E, I + 1>(version, data);
  }
}

// The major version a stored event of `type` declares in `dataschema`; 1 without one.
int StoredVersion(const rapidjson::Value& envelope, std::string_view type) {
  const rapidjson::Value* value = Find(envelope, "dataschema");
  if (value == nullptr) return 1;
  std::string uri;
  ReadValue(*value, "dataschema", uri);
  const std::string prefix = std::string(kSchemaBaseUri) + std::string(type) + "/v";
  constexpr std::string_view kSuffix = ".json";
  if (uri.size() > prefix.size() + kSuffix.size() && uri.starts_with(prefix) &&
      uri.ends_with(kSuffix)) {
    const std::string digits =
        uri.substr(prefix.size(), uri.size() - prefix.size() - kSuffix.size());
    const bool number = digits.size() <= 6 && digits[0] != '0' &&
                        std::all_of(digits.begin(), digits.end(),
                                    [](unsigned char c) { return std::isdigit(c) != 0; });
    if (number) return std::stoi(digits);
  }
  if (uri.size() > 120) uri = uri.substr(0, 120) + "...";
  throw DecodeError("dataschema '" + ToValidUtf8(uri) + "' does not name a version of " +
                        std::string(type) + " (" + DataSchemaUri(type, 1) + ", ...)",
                    "dataschema");
}

// Calls read.template operator()<E>() for the event E whose kType equals `type`.
template <std::size_t I = 0, typename Read>
AnyEvent ReadAny(std::string_view type, const Read& read) {
  if constexpr (I == std::variant_size_v<AnyEvent>) {
    throw DecodeError("unknown event type '" + ToValidUtf8(type) + "'", "type");
  } else {
    using E = std::variant_alternative_t<I, AnyEvent>;
    if (type == E::kType) return read.template operator()<E>();
    return ReadAny<I + 1>(type, read);
  }
}

rapidjson::Document Parse(std::string_view bytes) {
  if (bytes.size() > kMaxEventBytes) {
    throw DecodeError("event of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                      std::to_string(kMaxEventBytes));
  }
  rapidjson::Document doc;
  // Iterative parsing: no recursion, so deep nesting cannot exhaust the stack.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(bytes.data(),
                                                                                    bytes.size());
  if (doc.HasParseError()) {
    throw DecodeError(std::string("invalid JSON at offset ") +
                      std::to_string(doc.GetErrorOffset()) + ": " +
                      rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

const rapidjson::Value& Require(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Find(object, name);
  if (value == nullptr) throw DecodeError("missing field " + std::string(name), std::string(name));
  return *value;
}

std::string RequireString(const rapidjson::Value& object, std::string_view name) {
  std::string out;
  ReadValue(Require(object, name), std::string(name), out);
  return out;
}

}  // namespace

std::string DataSchemaUri(std::string_view type, int version) {
  return std::string(kSchemaBaseUri) + std::string(type) + "/v" + std::to_string(version) + ".json";
}

std::string EncodeEventData(const AnyEvent& event) {
  rapidjson::StringBuffer buffer;
  event_json::Writer w(buffer);
  std::visit([&](const auto& e) { event_json::WriteData(w, e); }, event);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string EncodeEvent(const AnyEvent& event, const EventMeta& meta) {
  return std::visit([&](const auto& e) { return event_json::EventJson(e, meta); }, event);
}

DecodedEvent DecodeEvent(std::string_view bytes) {
  const rapidjson::Document doc = Parse(bytes);
  if (!doc.IsObject()) throw DecodeError("event must be a JSON object");
  if (RequireString(doc, "specversion") != "1.0") {
    throw DecodeError("specversion must be \"1.0\"", "specversion");
  }
  DecodedEvent out{
      .meta = {.id = RequireString(doc, "id"), .source = RequireString(doc, "source"), .time = {}},
      .event = PostCreated{},
      .stored_version = 0};
  if (out.meta.id.empty() || out.meta.id.size() > 200) {
    throw DecodeError("id must be 1-200 characters", "id");
  }
  if (doc.HasMember("time")) out.meta.time = RequireString(doc, "time");
  if (doc.HasMember("datacontenttype") &&
      RequireString(doc, "datacontenttype") != "application/json") {
    throw DecodeError("datacontenttype must be application/json", "datacontenttype");
  }
  const std::string type = RequireString(doc, "type");
  out.event = ReadAny(type, [&]<typename E>() -> AnyEvent {
    out.stored_version = StoredVersion(doc, E::kType);
    return ReadVersion<E>(out.stored_version, Require(doc, "data"));
  });
  return out;
}

AnyEvent DecodeEventData(std::string_view type, std::string_view data_json) {
  const rapidjson::Document doc = Parse(data_json);
  return ReadAny(type, [&]<typename E>() -> AnyEvent { return ReadData<E>(doc); });
}

}  // namespace blog

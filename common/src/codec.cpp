#include "common/codec.hpp"

#include <cstdint>
#include <tuple>
#include <type_traits>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json.hpp"

namespace blog {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteValue(Writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void WriteValue(Writer& w, std::int64_t value) { w.Int64(value); }
void WriteValue(Writer& w, CommentStatus value) {
  const std::string_view text = ToString(value);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

template <typename E>
void WriteData(Writer& w, const E& event) {
  w.StartObject();
  std::apply(
      [&](const auto&... field) {
        ((w.Key(field.name.data(), static_cast<rapidjson::SizeType>(field.name.size())),
          WriteValue(w, event.*(field.member))),
         ...);
      },
      E::Fields());
  w.EndObject();
}

const rapidjson::Value& Member(const rapidjson::Value& object, std::string_view name,
                               const std::string& path) {
  const auto it =
      object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  if (it == object.MemberEnd()) throw DecodeError("missing field " + path, path);
  return it->value;
}

void ReadValue(const rapidjson::Value& v, const std::string& path, std::string& out) {
  if (!v.IsString()) throw DecodeError(path + " must be a string", path);
  out.assign(v.GetString(), v.GetStringLength());
  // The parser checks the bytes, not what \u escapes decode to (a lone surrogate).
  if (!IsValidUtf8(out)) throw DecodeError(path + " is not valid UTF-8", path);
}
void ReadValue(const rapidjson::Value& v, const std::string& path, std::int64_t& out) {
  if (!v.IsInt64()) throw DecodeError(path + " must be an integer", path);
  out = v.GetInt64();
}
void ReadValue(const rapidjson::Value& v, const std::string& path, CommentStatus& out) {
  std::string text;
  ReadValue(v, path, text);
  const auto status = ParseCommentStatus(text);
  if (!status) throw DecodeError(path + " must be pending, approved or rejected", path);
  out = *status;
}

template <typename E>
E ReadData(const rapidjson::Value& data) {
  if (!data.IsObject()) throw DecodeError("data must be an object", "data");
  E event;
  std::apply(
      [&](const auto&... field) {
        (ReadValue(Member(data, field.name, "data." + std::string(field.name)),
                   "data." + std::string(field.name), event.*(field.member)),
         ...);
      },
      E::Fields());
  return event;
}

// Builds the event whose kType equals `type`, trying each alternative of AnyEvent in turn.
template <std::size_t I = 0>
AnyEvent ReadAny(std::string_view type, const rapidjson::Value& data) {
  if constexpr (I == std::variant_size_v<AnyEvent>) {
    throw DecodeError("unknown event type '" + ToValidUtf8(type) + "'", "type");
  } else {
    using E = std::variant_alternative_t<I, AnyEvent>;
    if (type == E::kType) return ReadData<E>(data);
    return ReadAny<I + 1>(type, data);
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

std::string RequireString(const rapidjson::Value& object, std::string_view name) {
  std::string out;
  const std::string path(name);
  ReadValue(Member(object, name, path), path, out);
  return out;
}

}  // namespace

std::string EncodeEventData(const AnyEvent& event) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  std::visit([&](const auto& e) { WriteData(w, e); }, event);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string EncodeEvent(const AnyEvent& event, const EventMeta& meta) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  const auto type = TypeOf(event);
  w.StartObject();
  w.Key("specversion");
  w.String("1.0");
  w.Key("id");
  WriteValue(w, meta.id);
  w.Key("source");
  WriteValue(w, meta.source);
  w.Key("type");
  w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  w.Key("time");
  WriteValue(w, meta.time);
  w.Key("datacontenttype");
  w.String("application/json");
  w.Key("data");
  std::visit([&](const auto& e) { WriteData(w, e); }, event);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

DecodedEvent DecodeEvent(std::string_view bytes) {
  const rapidjson::Document doc = Parse(bytes);
  if (!doc.IsObject()) throw DecodeError("event must be a JSON object");
  if (RequireString(doc, "specversion") != "1.0") {
    throw DecodeError("specversion must be \"1.0\"", "specversion");
  }
  DecodedEvent out{
      .meta = {.id = RequireString(doc, "id"), .source = RequireString(doc, "source"), .time = {}},
      .event = PostCreated{}};
  if (out.meta.id.empty() || out.meta.id.size() > 200) {
    throw DecodeError("id must be 1-200 characters", "id");
  }
  if (doc.HasMember("time")) out.meta.time = RequireString(doc, "time");
  if (doc.HasMember("datacontenttype") &&
      RequireString(doc, "datacontenttype") != "application/json") {
    throw DecodeError("datacontenttype must be application/json", "datacontenttype");
  }
  const std::string type = RequireString(doc, "type");
  out.event = ReadAny(type, Member(doc, "data", "data"));
  return out;
}

AnyEvent DecodeEventData(std::string_view type, std::string_view data_json) {
  const rapidjson::Document doc = Parse(data_json);
  return ReadAny(type, doc);
}

}  // namespace blog

// Internal: an event's JSON, derived from its struct's Fields(), for the codec (codec.cpp) and
// the catalog's examples (catalog.cpp). Works for current and older versions alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/codec.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"

namespace blog::event_json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteValue(Writer& w, std::string_view value);
void WriteValue(Writer& w, std::int64_t value);
void WriteValue(Writer& w, CommentStatus value);

// Each throws DecodeError naming `path` when `v` is not of the member's type.
void ReadValue(const rapidjson::Value& v, const std::string& path, std::string& out);
void ReadValue(const rapidjson::Value& v, const std::string& path, std::int64_t& out);
void ReadValue(const rapidjson::Value& v, const std::string& path, CommentStatus& out);
template <typename T>
void ReadValue(const rapidjson::Value& v, const std::string& path, std::optional<T>& out) {
  T value{};
  ReadValue(v, path, value);
  out = std::move(value);
}

// The member `name` of `object`, or nullptr.
const rapidjson::Value* Find(const rapidjson::Value& object, std::string_view name);

// Writes the data object of `event`: every field in Fields() order, empty optionals left out.
template <typename E>
void WriteData(Writer& w, const E& event) {
  w.StartObject();
  const auto write = [&](const auto& field) {
    const auto& value = event.*(field.member);
    if constexpr (IsOptionalField<std::decay_t<decltype(value)>>::value) {
      if (!value) return;
      w.Key(field.name.data(), static_cast<rapidjson::SizeType>(field.name.size()));
      WriteValue(w, *value);
    } else {
      w.Key(field.name.data(), static_cast<rapidjson::SizeType>(field.name.size()));
      WriteValue(w, value);
    }
  };
  std::apply([&](const auto&... field) { (write(field), ...); }, E::Fields());
  w.EndObject();
}

// Reads the data object of an event of exactly the struct `E` (no upcasting).
template <typename E>
E ReadData(const rapidjson::Value& data) {
  if (!data.IsObject()) throw DecodeError("data must be an object", "data");
  E event;
  const auto read = [&](const auto& field) {
    auto& out = event.*(field.member);
    const std::string path = "data." + std::string(field.name);
    const rapidjson::Value* v = Find(data, field.name);
    if (v != nullptr) {
      ReadValue(*v, path, out);
    } else if constexpr (!IsOptionalField<std::decay_t<decltype(out)>>::value) {
      throw DecodeError("missing field " + path, path);
    }
  };
  std::apply([&](const auto&... field) { (read(field), ...); }, E::Fields());
  return event;
}

// Writes the whole CloudEvents envelope of `event` (any version), `dataschema` included.
template <typename E>
void WriteEvent(Writer& w, const E& event, const EventMeta& meta) {
  w.StartObject();
  w.Key("specversion");
  w.String("1.0");
  w.Key("id");
  WriteValue(w, meta.id);
  w.Key("source");
  WriteValue(w, meta.source);
  w.Key("type");
  WriteValue(w, E::kType);
  w.Key("dataschema");
  WriteValue(w, DataSchemaUri(E::kType, E::kVersion));
  w.Key("time");
  WriteValue(w, meta.time);
  w.Key("datacontenttype");
  w.String("application/json");
  w.Key("data");
  WriteData(w, event);
  w.EndObject();
}

template <typename E>
std::string EventJson(const E& event, const EventMeta& meta) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteEvent(w, event, meta);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace blog::event_json

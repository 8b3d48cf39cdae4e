#include "event_format.hpp"

#include <cstdint>
#include <tuple>
#include <variant>

#include "common/codec.hpp"
#include "common/trace.hpp"

#include "output.hpp"

namespace blog::ctl {
namespace {

std::string Text(const std::string& value) { return Quoted(value); }
std::string Text(std::int64_t value) { return std::to_string(value); }
std::string Text(CommentStatus value) { return std::string(ToString(value)); }

template <typename T>
std::string Text(const std::optional<T>& value) {
  return Text(*value);
}
template <typename T>
bool Present(const T& /*value*/) {
  return true;
}
template <typename T>
bool Present(const std::optional<T>& value) {
  return value.has_value();
}

// "key=value ..." in the order of the struct's Fields(); absent optional fields left out.
std::string DataFields(const AnyEvent& event) {
  return std::visit(
      [](const auto& e) {
        std::string line;
        const auto add = [&](const auto& field) {
          const auto& value = e.*(field.member);
          if (!Present(value)) return;
          line += (line.empty() ? "" : " ") + std::string(field.name) + "=" + Text(value);
        };
        std::apply([&](const auto&... field) { (add(field), ...); },
                   std::decay_t<decltype(e)>::Fields());
        return line;
      },
      event);
}

// " [stored as v1]" when the event was stored in an older version than this build's.
std::string StoredVersionNote(const DecodedEvent& decoded) {
  const int current =
      std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kVersion; }, decoded.event);
  if (decoded.stored_version == current) return "";
  return " [stored as v" + std::to_string(decoded.stored_version) + "]";
}

std::string Shorten(const std::string& text, std::size_t max) {
  return text.size() <= max ? text : text.substr(0, max) + "…";
}

}  // namespace

EventIdentity Identify(const std::string& body) {
  try {
    const DecodedEvent decoded = DecodeEvent(body);
    return {std::string(TypeOf(decoded.event)), decoded.meta.id, ""};
  } catch (const std::exception& e) {
    return {"?", "?", e.what()};
  }
}

std::string EventFields(const std::string& body) {
  try {
    return DataFields(DecodeEvent(body).event);
  } catch (const std::exception& e) {
    return std::string("undecodable: ") + e.what();
  }
}

std::string EventLine(const StoredMessage& message) {
  std::string line =
      "#" + std::to_string(message.sequence) + "  " + FormatTime(message.timestamp_ns) + "  ";
  try {
    const DecodedEvent decoded = DecodeEvent(message.data);
    line += std::string(TypeOf(decoded.event)) + StoredVersionNote(decoded) + "  " +
            DataFields(decoded.event) + "  (" + decoded.meta.source;
    if (!message.traceparent.empty()) {
      line += ", trace " + TraceParent::FromHeader(message.traceparent).trace_id;
    }
    return line + ")";
  } catch (const std::exception& e) {
    return line + message.subject + "  UNDECODABLE (" + e.what() +
           "): " + Quoted(Shorten(message.data, 200));
  }
}

rapidjson::Value MessageJson(rapidjson::Document& doc, const StoredMessage& message) {
  auto& a = doc.GetAllocator();
  rapidjson::Value v(rapidjson::kObjectType);
  v.AddMember("sequence", message.sequence, a);
  v.AddMember("subject", JsonString(doc, message.subject), a);
  v.AddMember("stored", JsonString(doc, FormatTime(message.timestamp_ns)), a);
  rapidjson::Value headers(rapidjson::kObjectType);
  for (const auto& [key, value] : message.headers) {
    headers.AddMember(JsonString(doc, key), JsonString(doc, value), a);
  }
  v.AddMember("headers", headers, a);
  rapidjson::Value event = ParseJsonOrNull(doc, message.data);
  const bool is_json = !event.IsNull();
  v.AddMember("event", event, a);
  const EventIdentity identity = Identify(message.data);
  if (!identity.error.empty()) {
    v.AddMember("error", JsonString(doc, identity.error), a);
    if (!is_json) v.AddMember("body", JsonString(doc, message.data), a);
  }
  return v;
}

}  // namespace blog::ctl

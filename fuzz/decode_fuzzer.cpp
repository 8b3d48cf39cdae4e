// libFuzzer target: blog::DecodeEvent on arbitrary bytes (seeds: corpus/decode/).
//
// Contract checked (codec.hpp): every input either decodes or throws DecodeError (any other
// exception escapes and is reported); decoding fits a 512 KiB stack; a decoded event holds only
// valid UTF-8, since its strings go to PostgreSQL and into other events; and encoding it then
// decoding again gives the same event.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "common/codec.hpp"

#include "check.hpp"

namespace {

using blog::fuzz::IsValidUtf8;
using blog::fuzz::Violation;

void CheckUtf8(std::string_view field, const std::string& value) {
  if (!IsValidUtf8(value)) Violation("DecodeEvent accepted invalid UTF-8 in a string", field);
}

void CheckStrings(const blog::DecodedEvent& decoded) {
  CheckUtf8("id", decoded.meta.id);
  CheckUtf8("source", decoded.meta.source);
  CheckUtf8("time", decoded.meta.time);
  std::visit(
      [](const auto& event) {
        std::apply(
            [&](const auto&... field) {
              (
                  [&] {
                    using Value = std::decay_t<decltype(event.*(field.member))>;
                    const auto& value = event.*(field.member);
                    if constexpr (std::is_same_v<Value, std::string>) {
                      CheckUtf8(field.name, value);
                    } else if constexpr (std::is_same_v<Value, std::optional<std::string>>) {
                      if (value) CheckUtf8(field.name, *value);
                    }
                  }(),
                  ...);
            },
            std::decay_t<decltype(event)>::Fields());
      },
      decoded.event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  blog::DecodedEvent decoded;
  bool refused = false;
  auto decode = [&] {
    try {
      decoded = blog::DecodeEvent(bytes);
    } catch (const blog::DecodeError&) {
      refused = true;  // as it should be for anything malformed
    }
  };
  blog::fuzz::OnSmallStack(decode);
  if (refused) return 0;
  CheckStrings(decoded);

  const std::string encoded = blog::EncodeEvent(decoded.event, decoded.meta);
  blog::DecodedEvent again;
  try {
    again = blog::DecodeEvent(encoded);
  } catch (const blog::DecodeError& e) {
    Violation("an encoded event does not decode", std::string(e.what()) + " in " + encoded);
  }
  if (blog::EncodeEvent(again.event, again.meta) != encoded) {
    Violation("encode/decode round trip changed the event", encoded);
  }
  const std::string data_json = blog::EncodeEventData(decoded.event);
  if (blog::EncodeEventData(blog::DecodeEventData(blog::TypeOf(decoded.event), data_json)) !=
      data_json) {
    Violation("EncodeEventData/DecodeEventData round trip changed the event", data_json);
  }
  return 0;
}

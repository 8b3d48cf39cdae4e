// JSON for request and response bodies, without exposing the JSON library to services.
//
// JsonObject::Parse accepts only a JSON object in valid UTF-8 and throws ValidationError (HTTP
// 400) otherwise; its getters validate one field each and name it in the error. JsonWriter builds
// a response body. Neither is shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace blog {

class JsonObject {
 public:
  static JsonObject Parse(std::string_view body);

  // The string at `field`, trimmed of surrounding white space when `trim`; its length in
  // characters (code points) must be within [min_chars, max_chars] and it must not contain NUL.
  std::string String(std::string_view field, std::size_t min_chars, std::size_t max_chars,
                     bool trim = true) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

class JsonWriter {
 public:
  JsonWriter();
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  JsonWriter(JsonWriter&&) = delete;
  JsonWriter& operator=(JsonWriter&&) = delete;

  JsonWriter& StartObject();
  JsonWriter& EndObject();
  JsonWriter& StartArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Bool(bool value);
  // The document written so far.
  std::string Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Number of UTF-8 code points in `text` (assumed valid UTF-8).
std::size_t Utf8Length(std::string_view text);

// Whether `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates (which a
// JSON "\udc00" escape decodes to), nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// `text` with every byte that is not part of a well-formed sequence replaced by U+FFFD, for
// echoing client bytes in error messages.
std::string ToValidUtf8(std::string_view text);

}  // namespace blog

#include "common/json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/errors.hpp"

namespace blog {

struct JsonObject::Impl {
  rapidjson::Document doc;
};

struct JsonWriter::Impl {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
};

std::size_t Utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 if there is none. The
// ranges of the second byte are RFC 3629 §4's, which exclude overlong forms, surrogates and
// code points above U+10FFFF.
std::size_t SequenceAt(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  const auto tail = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return tail(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned high = lead == 0xED ? 0x9F : 0xBF;
    return byte(1) >= low && byte(1) <= high && tail(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned high = lead == 0xF4 ? 0x8F : 0xBF;
    return byte(1) >= low && byte(1) <= high && tail(2) && tail(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = SequenceAt(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = SequenceAt(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

namespace {

constexpr int kMaxDepth = 32;
constexpr int kMaxMembers = 256;

// Refuses documents nested deeper than kMaxDepth or with more than kMaxMembers keys before
// parsing them, so that a hostile body costs one linear scan.
void CheckShape(std::string_view body) {
  int depth = 0;
  int members = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) {
        throw ValidationError("request body is nested deeper than " + std::to_string(kMaxDepth) +
                              " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ':' && ++members > kMaxMembers) {
      throw ValidationError("request body has more than " + std::to_string(kMaxMembers) +
                            " fields");
    }
  }
}

}  // namespace

JsonObject JsonObject::Parse(std::string_view body) {
  if (body.find('\0') != std::string_view::npos) {
    throw ValidationError("request body must not contain NUL bytes");
  }
  CheckShape(body);
  auto impl = std::make_shared<Impl>();
  impl->doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
      body.data(), body.size());
  if (impl->doc.HasParseError()) {
    throw ValidationError(std::string("request body is not valid JSON: ") +
                          rapidjson::GetParseError_En(impl->doc.GetParseError()) + " at offset " +
                          std::to_string(impl->doc.GetErrorOffset()));
  }
  if (!impl->doc.IsObject()) throw ValidationError("request body must be a JSON object");
  // A repeated key is ambiguous (which one wins differs between parsers): refuse it.
  for (auto a = impl->doc.MemberBegin(); a != impl->doc.MemberEnd(); ++a) {
    for (auto b = a + 1; b != impl->doc.MemberEnd(); ++b) {
      if (a->name == b->name) {
        const std::string name(a->name.GetString(), a->name.GetStringLength());
        throw ValidationError(name + " is given more than once", name);
      }
    }
  }
  JsonObject out;
  out.impl_ = std::move(impl);
  return out;
}

std::string JsonObject::String(std::string_view field, std::size_t min_chars, std::size_t max_chars,
                               bool trim) const {
  const std::string name(field);
  const auto it = impl_->doc.FindMember(name.c_str());
  if (it == impl_->doc.MemberEnd() || it->value.IsNull()) {
    throw ValidationError(name + " is required", name);
  }
  if (!it->value.IsString()) throw ValidationError(name + " must be a string", name);
  std::string value(it->value.GetString(), it->value.GetStringLength());
  if (value.find('\0') != std::string::npos) {
    throw ValidationError(name + " must not contain NUL characters", name);
  }
  if (!IsValidUtf8(value)) {
    throw ValidationError(name + " must be valid UTF-8 (no lone surrogates)", name);
  }
  if (trim) {
    const auto first = value.find_first_not_of(" \t\r\n");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  }
  const std::size_t chars = Utf8Length(value);
  if (chars < min_chars) {
    throw ValidationError(
        min_chars == 1 ? name + " must not be empty"
                       : name + " must have at least " + std::to_string(min_chars) + " characters",
        name);
  }
  if (chars > max_chars) {
    throw ValidationError(name + " must have at most " + std::to_string(max_chars) + " characters",
                          name);
  }
  return value;
}

JsonWriter::JsonWriter() : impl_(std::make_unique<Impl>()) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::StartObject() {
  impl_->writer.StartObject();
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  impl_->writer.EndObject();
  return *this;
}
JsonWriter& JsonWriter::StartArray() {
  impl_->writer.StartArray();
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  impl_->writer.EndArray();
  return *this;
}
JsonWriter& JsonWriter::Key(std::string_view key) {
  impl_->writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view value) {
  impl_->writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}
JsonWriter& JsonWriter::Int(std::int64_t value) {
  impl_->writer.Int64(value);
  return *this;
}
JsonWriter& JsonWriter::Bool(bool value) {
  impl_->writer.Bool(value);
  return *this;
}
std::string JsonWriter::Take() { return {impl_->buffer.GetString(), impl_->buffer.GetSize()}; }

}  // namespace blog

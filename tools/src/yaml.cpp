#include "yaml.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/ascii.hpp"

namespace blog::ctl {
namespace {

std::string JsonText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// Plain (unquoted) only for words that YAML reads back as the same string: letters first, then
// letters, digits and a few punctuation marks, and none of YAML's special scalars.
bool Plain(std::string_view s) {
  if (s.empty() || std::isalpha(static_cast<unsigned char>(s.front())) == 0) return false;
  const bool simple = std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == '/' || c == '$' || c == '+';
  });
  if (!simple) return false;
  const std::string lower = AsciiLower(s);
  for (const char* special : {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}) {
    if (lower == special) return false;
  }
  return true;
}

std::string Scalar(const rapidjson::Value& v) {
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    return Plain(s) ? std::string(s) : JsonText(v);
  }
  if (v.IsObject()) return "{}";
  if (v.IsArray()) return "[]";
  return JsonText(v);  // number, bool, null
}

bool IsBlock(const rapidjson::Value& v) {
  return (v.IsObject() && v.MemberCount() > 0) || (v.IsArray() && !v.Empty());
}

void Write(const rapidjson::Value& v, int indent, std::string& out);

void WriteObject(const rapidjson::Value& v, int indent, bool first_inline, std::string& out) {
  bool first = true;
  for (const auto& m : v.GetObject()) {
    if (!(first && first_inline)) out += std::string(static_cast<std::size_t>(indent), ' ');
    first = false;
    out += Scalar(m.name) + ":";
    if (IsBlock(m.value)) {
      out += "\n";
      Write(m.value, indent + 2, out);
    } else {
      out += " " + Scalar(m.value) + "\n";
    }
  }
}

void Write(const rapidjson::Value& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.IsObject()) {
    WriteObject(v, indent, false, out);
  } else {
    for (const auto& item : v.GetArray()) {
      out += pad + "- ";
      if (item.IsObject() && item.MemberCount() > 0) {
        WriteObject(item, indent + 2, true, out);
      } else if (IsBlock(item)) {
        out += "\n";
        Write(item, indent + 2, out);
      } else {
        out += Scalar(item) + "\n";
      }
    }
  }
}

}  // namespace

std::string ToYaml(const rapidjson::Value& value) {
  if (!IsBlock(value)) return Scalar(value) + "\n";
  std::string out;
  Write(value, 0, out);
  return out;
}

}  // namespace blog::ctl

#include "output.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace blog::ctl {

void Table::Print(std::ostream& out) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);  // an empty last cell leaves no padding behind
    out << line << "\n";
  }
}

std::string FormatTime(std::int64_t ns) {
  if (ns <= 0) return "";
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  const int millis = static_cast<int>((ns / 1'000'000) % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  const std::size_t n = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &tm);
  char millis_text[8];
  std::snprintf(millis_text, sizeof(millis_text), ".%03dZ", millis);
  return std::string(buffer, n) + millis_text;
}

std::optional<std::int64_t> ParseTimeNs(std::string_view text, std::int64_t now_ns) {
  constexpr std::int64_t kSecond = 1'000'000'000;
  if (text.size() >= 2 && std::all_of(text.begin(), text.end() - 1, [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    const std::int64_t amount = std::stoll(std::string(text.substr(0, text.size() - 1)));
    const char unit = text.back();
    const std::int64_t scale = unit == 's'   ? kSecond
                               : unit == 'm' ? 60 * kSecond
                               : unit == 'h' ? 3600 * kSecond
                               : unit == 'd' ? 86400 * kSecond
                                             : 0;
    if (scale != 0) return now_ns - amount * scale;
  }
  std::tm tm{};
  const std::string s(text);
  const char* rest = strptime(s.c_str(), "%Y-%m-%d", &tm);
  if (rest == nullptr) return std::nullopt;
  std::int64_t nanos = 0;
  if (*rest == 'T' || *rest == ' ') {
    rest = strptime(rest + 1, "%H:%M:%S", &tm);
    if (rest == nullptr) return std::nullopt;
    if (*rest == '.') {
      std::int64_t scale = 100'000'000;
      for (++rest; std::isdigit(static_cast<unsigned char>(*rest)) != 0; ++rest) {
        nanos += (*rest - '0') * scale;
        scale /= 10;
      }
    }
    if (*rest == 'Z') ++rest;
  }
  if (*rest != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm)) * kSecond + nanos;
}

std::string Quoted(std::string_view text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == '/' || c == ':';
  });
  if (plain) return std::string(text);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buffer.GetString(), buffer.GetSize()};
}

void PrintJson(std::ostream& out, const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  out << std::string_view(buffer.GetString(), buffer.GetSize()) << "\n";
}

rapidjson::Value JsonString(rapidjson::Document& doc, std::string_view text) {
  return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                          doc.GetAllocator());
}

rapidjson::Value ParseJsonOrNull(rapidjson::Document& doc, std::string_view text) {
  rapidjson::Document parsed(&doc.GetAllocator());
  parsed.Parse(text.data(), text.size());
  if (parsed.HasParseError()) return rapidjson::Value(rapidjson::kNullType);
  return rapidjson::Value(parsed, doc.GetAllocator());
}

}  // namespace blog::ctl

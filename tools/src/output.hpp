// Output helpers shared by blogctl's commands: aligned text tables, times, JSON documents.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace blog::ctl {

// Columns padded to the widest cell; the last column is never padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Nanoseconds since the epoch as RFC 3339 UTC with milliseconds ("" for 0).
std::string FormatTime(std::int64_t ns);

// "2026-11-28T12:00:00Z", "2026-11-28T12:00:00.123Z", "2026-11-28" (UTC), or a duration back
// from now: "90s", "15m", "2h", "1d". nullopt when `text` is none of these.
std::optional<std::int64_t> ParseTimeNs(std::string_view text, std::int64_t now_ns);

// `text` as is when it is a single plain word, else as a JSON string.
std::string Quoted(std::string_view text);

// A JSON document on one line, then a newline.
void PrintJson(std::ostream& out, const rapidjson::Value& value);

// A JSON string value (copied into `doc`'s allocator).
rapidjson::Value JsonString(rapidjson::Document& doc, std::string_view text);

// Parses `text` into `doc`'s allocator; nullopt-like kNullType when it is not JSON.
rapidjson::Value ParseJsonOrNull(rapidjson::Document& doc, std::string_view text);

}  // namespace blog::ctl

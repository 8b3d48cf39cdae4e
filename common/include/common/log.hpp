// Structured logs: one JSON object per line on stdout, e.g.
//   {"ts":"2026-11-28T12:00:00.123Z","level":"info","service":"posts","msg":"listening",
//    "trace_id":"…","port":"4000"}
// `trace_id` is added whenever the calling thread has a current trace (trace.hpp).
// Thread-safe: lines from different threads never interleave.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace blog::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Sets the service name written on every line and the lowest level written.
void Init(std::string_view service, Level min_level);
// Parses "debug", "info", "warn", "error"; throws ConfigError otherwise.
Level ParseLevel(std::string_view text);

void Write(Level level, std::string_view message, Fields fields = {});
inline void Debug(std::string_view m, Fields f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, Fields f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, Fields f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, Fields f = {}) { Write(Level::kError, m, f); }

}  // namespace blog::log

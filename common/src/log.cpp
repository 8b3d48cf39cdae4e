#include "common/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/errors.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/trace.hpp"

namespace blog::log {
namespace {

std::mutex output_mutex;
std::string service_name = "blog";  // guarded by output_mutex once threads run
std::atomic<Level> min_level{Level::kInfo};

std::string_view Name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void Pair(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view key,
          std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  if (!IsValidUtf8(value)) {  // a client's path or an event's bytes: keep the line valid JSON
    const std::string repaired = ToValidUtf8(value);
    w.String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
    return;
  }
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

}  // namespace

void Init(std::string_view service, Level level) {
  const std::lock_guard lock(output_mutex);
  service_name = service;
  min_level = level;
}

Level ParseLevel(std::string_view text) {
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn") return Level::kWarn;
  if (text == "error") return Level::kError;
  throw ConfigError("LOG_LEVEL must be debug, info, warn or error, not '" + std::string(text) + "'",
                    "LOG_LEVEL");
}

void Write(Level level, std::string_view message, Fields fields) {
  if (level < min_level.load(std::memory_order_relaxed)) return;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  Pair(w, "ts", NowRfc3339());
  Pair(w, "level", Name(level));
  {
    const std::lock_guard lock(output_mutex);
    Pair(w, "service", service_name);
  }
  Pair(w, "msg", message);
  if (!CurrentTrace().trace_id.empty()) Pair(w, "trace_id", CurrentTrace().trace_id);
  for (const auto& [key, value] : fields) Pair(w, key, value);
  w.EndObject();
  const std::lock_guard lock(output_mutex);
  std::fwrite(buffer.GetString(), 1, buffer.GetSize(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace blog::log

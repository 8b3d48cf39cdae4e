#include "common/config.hpp"

#include <cstdlib>
#include <limits>

#include "common/errors.hpp"

#include <arpa/inet.h>
#include <unistd.h>

namespace blog {

std::string EnvString(std::string_view name, std::string_view fallback) {
  const char* value = std::getenv(std::string(name).c_str());
  return (value != nullptr && *value != '\0') ? std::string(value) : std::string(fallback);
}

std::int64_t EnvInt(std::string_view name, std::int64_t fallback, std::int64_t min,
                    std::int64_t max) {
  const std::string text = EnvString(name, "");
  if (text.empty()) return fallback;
  std::size_t used = 0;
  std::int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size()) {
    throw ConfigError(std::string(name) + " must be an integer, not '" + text + "'",
                      std::string(name));
  }
  if (value < min || value > max) {
    throw ConfigError(std::string(name) + " must be between " + std::to_string(min) + " and " +
                          std::to_string(max) + ", not " + text,
                      std::string(name));
  }
  return value;
}

std::vector<std::string> EnvList(std::string_view name, std::string_view fallback) {
  const std::string text = EnvString(name, fallback);
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) items.push_back(item.substr(first, last - first + 1));
    start = end + 1;
  }
  return items;
}

namespace {

// The host of a NATS URL ("tls://user:pw@host:4222" -> "host"; "[::1]:4222" -> "::1").
std::string UrlHost(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos)
    url.remove_prefix(scheme + 3);
  if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  if (url.starts_with('[')) return std::string(url.substr(1, url.find(']') - 1));
  return std::string(url.substr(0, url.find_first_of(":/")));
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::string ReadableFile(const char* name) {
  std::string path = EnvString(name, "");
  if (!path.empty() && access(path.c_str(), R_OK) != 0) {
    throw ConfigError(std::string(name) + ": cannot read " + path, name);
  }
  return path;
}

}  // namespace

NatsTls NatsTlsFromEnv(const std::vector<std::string>& urls) {
  NatsTls tls;
  std::size_t secure = 0;
  for (const auto& url : urls) secure += url.starts_with("tls://") ? 1 : 0;
  if (secure != 0 && secure != urls.size()) {
    throw ConfigError("NATS_URL mixes tls:// and plain URLs: use tls:// for every server or none",
                      "NATS_URL");
  }
  tls.enabled = secure != 0;
  for (const char* name : {"NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY", "NATS_TLS_HOSTNAME"}) {
    if (!tls.enabled && !EnvString(name, "").empty()) {
      throw ConfigError(std::string(name) + " is set but NATS_URL is not tls://: write the URLs " +
                            "as tls://host:port to connect over TLS, or unset " + name,
                        name);
    }
  }
  if (!tls.enabled) return tls;
  tls.ca_file = ReadableFile("NATS_TLS_CA");
  tls.cert_file = ReadableFile("NATS_TLS_CERT");
  tls.key_file = ReadableFile("NATS_TLS_KEY");
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    throw ConfigError(
        "NATS_TLS_CERT and NATS_TLS_KEY go together: the client certificate and its "
        "private key",
        tls.cert_file.empty() ? "NATS_TLS_CERT" : "NATS_TLS_KEY");
  }
  tls.hostname = EnvString("NATS_TLS_HOSTNAME", "");
  if (tls.hostname.empty()) {
    const std::string host = UrlHost(urls.front());
    for (const auto& url : urls) {
      if (UrlHost(url) != host) {
        throw ConfigError(
            "NATS_URL names several hosts: set NATS_TLS_HOSTNAME to the DNS name "
            "every server's certificate carries",
            "NATS_TLS_HOSTNAME");
      }
    }
    if (IsIpAddress(host)) {
      throw ConfigError("NATS_URL names the server by IP address (" + host +
                            "), but its "
                            "certificate is checked by DNS name: use that name in NATS_URL or "
                            "set NATS_TLS_HOSTNAME",
                        "NATS_TLS_HOSTNAME");
    }
    tls.hostname = host;
  }
  return tls;
}

Config Config::FromEnv(std::string_view service, int default_port) {
  using std::chrono::milliseconds;
  constexpr auto kMaxMs = std::int64_t{24} * 3600 * 1000;
  const std::string svc(service);
  Config c;
  c.service = svc;
  c.port = static_cast<int>(EnvInt("PORT", default_port, 1, 65535));
  c.database_url = EnvString("DATABASE_URL",
                             "postgresql://" + svc + ":" + svc + "-local@127.0.0.1:55432/" + svc);
  c.db_pool_size = static_cast<int>(EnvInt("DB_POOL_SIZE", 8, 1, 256));
  c.nats.urls = EnvList("NATS_URL", "nats://127.0.0.1:4222");
  if (c.nats.urls.empty()) throw ConfigError("NATS_URL must name at least one server", "NATS_URL");
  c.nats.user = EnvString("NATS_USER", "");
  c.nats.password = EnvString("NATS_PASSWORD", "");
  c.nats.stream_replicas = EnvInt("STREAM_REPLICAS", 1, 1, 5);
  const std::string storage = EnvString("STREAM_STORAGE", "file");
  if (storage != "file" && storage != "memory") {
    throw ConfigError("STREAM_STORAGE must be file or memory, not '" + storage + "'",
                      "STREAM_STORAGE");
  }
  c.nats.file_storage = storage == "file";
  c.nats.duplicate_window = milliseconds(EnvInt("STREAM_DUPLICATE_WINDOW_MS", 120000, 100, kMaxMs));
  c.nats.client_name = svc;
  c.nats.tls = NatsTlsFromEnv(c.nats.urls);
  c.listener.ack_wait = milliseconds(EnvInt("ACK_WAIT_MS", 30000, 100, kMaxMs));
  c.listener.max_deliver = EnvInt("MAX_DELIVER", 5, 1, 1000);
  c.listener.retry_base = milliseconds(EnvInt("RETRY_BASE_MS", 200, 1, kMaxMs));
  c.listener.retry_max = milliseconds(EnvInt("RETRY_MAX_MS", 30000, 1, kMaxMs));
  c.listener.batch = static_cast<int>(EnvInt("FETCH_BATCH", 128, 1, 10000));
  c.body_limit = static_cast<std::size_t>(EnvInt("HTTP_BODY_LIMIT", 1 << 20, 1, 1 << 30));
  c.cors_origins = EnvList("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000");
  c.log_level = EnvString("LOG_LEVEL", "info");
  c.shutdown_delay = milliseconds(EnvInt("SHUTDOWN_DELAY_MS", 0, 0, kMaxMs));
  c.shutdown_timeout = milliseconds(EnvInt("SHUTDOWN_TIMEOUT_MS", 10000, 100, kMaxMs));
  constexpr auto kDayMs = std::int64_t{24} * 3600 * 1000;
  c.idempotency_ttl = milliseconds(EnvInt("IDEMPOTENCY_TTL_MS", kDayMs, 1, 30 * kDayMs));
  c.post_wait = milliseconds(EnvInt("POST_WAIT_MS", 2000, 0, 60000));
  c.banned_words = EnvList("BANNED_WORDS", "orange");
  c.query_cache_bytes = static_cast<std::size_t>(EnvInt("QUERY_CACHE_MB", 16, 0, 4096)) << 20;
  c.query_read_pool = static_cast<int>(EnvInt("QUERY_READ_POOL", 2, 1, 256));
  c.metrics_port = static_cast<int>(EnvInt("METRICS_PORT", 0, 0, 65535));
  if (c.metrics_port != 0 && c.metrics_port == c.port) {
    throw ConfigError("METRICS_PORT must differ from PORT", "METRICS_PORT");
  }
  c.metrics_refresh = milliseconds(EnvInt("METRICS_REFRESH_MS", 5000, 100, kMaxMs));
  return c;
}

}  // namespace blog

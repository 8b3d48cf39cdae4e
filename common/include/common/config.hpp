// Configuration from environment variables, with defaults for a local run (`./blog up`).
// Every getter validates its value and throws ConfigError naming the variable, so a service
// refuses to start with a clear message instead of misbehaving later.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace blog {

// Raw accessors, for settings of programs other than the services (tools, the checker).
std::string EnvString(std::string_view name, std::string_view fallback);
std::int64_t EnvInt(std::string_view name, std::int64_t fallback, std::int64_t min,
                    std::int64_t max);
// Comma-separated list; empty items are dropped.
std::vector<std::string> EnvList(std::string_view name, std::string_view fallback);

// TLS to NATS, on when NATS_URL's URLs are tls:// (all of them). The server's certificate
// must chain to NATS_TLS_CA (else to the system's CAs) and carry NATS_TLS_HOSTNAME (else
// the host NATS_URL names) as a DNS name.
struct NatsTls {
  bool enabled = false;
  std::string ca_file = {};    // NATS_TLS_CA: PEM file of the CA certificate(s) to trust
  std::string cert_file = {};  // NATS_TLS_CERT: client certificate (chain), PEM: mutual TLS
  // NATS_TLS_KEY: its private key, PEM; NATS_TLS_CERT and KEY go together
  std::string key_file = {};
  std::string hostname = {};  // NATS_TLS_HOSTNAME
};

// Reads the NATS_TLS_* settings for `urls` (NATS_URL). Throws ConfigError naming the
// setting for a combination that cannot work: tls:// mixed with nats:// URLs, a
// NATS_TLS_* setting without tls:// URLs, a certificate without its key (or the reverse),
// a file that cannot be read, and URLs naming an IP address or several hosts without a
// NATS_TLS_HOSTNAME (certificates are checked by DNS name).
NatsTls NatsTlsFromEnv(const std::vector<std::string>& urls);

struct NatsSettings {
  std::vector<std::string> urls;               // NATS_URL, comma-separated
  std::string user;                            // NATS_USER
  std::string password;                        // NATS_PASSWORD
  std::int64_t stream_replicas;                // STREAM_REPLICAS
  bool file_storage;                           // STREAM_STORAGE=file|memory
  std::chrono::milliseconds duplicate_window;  // STREAM_DUPLICATE_WINDOW_MS
  std::string client_name;
  NatsTls tls = {};  // NATS_TLS_*, see NatsTls
};

struct ListenerSettings {
  std::chrono::milliseconds ack_wait;    // ACK_WAIT_MS
  std::int64_t max_deliver;              // MAX_DELIVER: handler failures before dead-lettering
  std::chrono::milliseconds retry_base;  // RETRY_BASE_MS: first nak delay, doubled each try
  std::chrono::milliseconds retry_max;   // RETRY_MAX_MS: cap of the nak delay
  int batch;                             // FETCH_BATCH
};

struct Config {
  std::string service;       // "posts", "comments", ...
  int port;                  // PORT
  std::string database_url;  // DATABASE_URL
  int db_pool_size;          // DB_POOL_SIZE (at least 2 with synchronous standbys: outbox.hpp)
  NatsSettings nats;
  ListenerSettings listener;
  std::size_t body_limit;                      // HTTP_BODY_LIMIT (bytes)
  std::vector<std::string> cors_origins;       // CORS_ORIGINS
  std::string log_level;                       // LOG_LEVEL
  std::chrono::milliseconds shutdown_delay;    // SHUTDOWN_DELAY_MS: readiness down before closing
  std::chrono::milliseconds shutdown_timeout;  // SHUTDOWN_TIMEOUT_MS: bound on the whole drain
  std::chrono::milliseconds idempotency_ttl;   // IDEMPOTENCY_TTL_MS: life of an Idempotency-Key
  // METRICS_PORT: a second port that serves only GET /metrics (0: none; /metrics is always
  // served on PORT too), so that a network policy can open metrics without the API.
  int metrics_port;
  std::chrono::milliseconds metrics_refresh;  // METRICS_REFRESH_MS: consumer and database gauges

  // The settings of one service each, read here too so that every variable has one place.
  std::chrono::milliseconds post_wait;    // POST_WAIT_MS (comments): wait for an unseen post
  std::vector<std::string> banned_words;  // BANNED_WORDS (moderation), comma-separated
  std::size_t query_cache_bytes;          // QUERY_CACHE_MB (query): read cache size, 0 = off
  int query_read_pool;                    // QUERY_READ_POOL (query): connections of the reads

  // Reads every setting for `service`; `default_port` applies when PORT is unset.
  static Config FromEnv(std::string_view service, int default_port);
};

}  // namespace blog

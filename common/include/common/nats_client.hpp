// One connection to NATS with its JetStream context.
//
// Connects with unlimited reconnects and a reconnect buffer; the constructor does not wait for
// the server (WaitConnected does). With settings.tls enabled it connects over TLS only. The
// constructor tries the servers once first and throws ConfigError when TLS cannot work: a TLS
// file nats.c cannot load, or a reachable server that refuses the handshake or wants TLS the
// settings lack (the message says what to check); an unreachable server is waited for.
// Publish waits for the stream's ack, so a returned call means the event is stored. Failures to
// reach the server throw UnavailableError; other failures throw Error with the server's
// description. Thread-safe. Streams, consumers and stored messages are administered through
// jetstream.hpp; nothing of nats.c shows here.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/config.hpp"

namespace blog {

using NatsHeaders = std::map<std::string, std::string>;

class NatsClient {
 public:
  explicit NatsClient(const NatsSettings& settings);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;
  NatsClient(NatsClient&&) = delete;
  NatsClient& operator=(NatsClient&&) = delete;

  // Blocks until connected or `timeout`; returns whether connected.
  bool WaitConnected(std::chrono::milliseconds timeout) const;
  bool Connected() const;
  // Why the last connection attempt failed, for logs (e.g. a TLS handshake the server
  // refused, with what to check); empty while connected or before any failure.
  std::string LastError() const;

  // Makes sure streams BLOG (blog.>) and BLOG_DLQ (dlq.>) exist with the configured storage,
  // replicas and duplicate window, creating or updating them. Idempotent.
  void EnsureStreams();

  // Publishes to a stream subject and waits for the ack; returns the stream sequence it was
  // stored at. `headers` may carry Nats-Msg-Id (a duplicate within the stream's window is not
  // stored again and returns the first copy's sequence).
  std::uint64_t Publish(std::string_view subject, std::string_view payload,
                        const NatsHeaders& headers,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Sends everything buffered (acks, naks) to the server, waiting at most `timeout`.
  void Drain(std::chrono::milliseconds timeout);

 private:
  struct Native;             // the nats.c handles (common/src/nats_native.hpp)
  friend struct NatsAccess;  // how common/'s own sources reach them
  std::unique_ptr<Native> native_;
  NatsSettings settings_;
};

}  // namespace blog

#include "common/nats_client.hpp"

#include <thread>
#include <vector>

#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/jetstream.hpp"
#include "common/log.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

constexpr int kReconnectBufferBytes = 8 * 1024 * 1024;

void OnConnected(natsConnection* /*nc*/, void* /*closure*/) { log::Info("nats connected"); }
void OnDisconnected(natsConnection* /*nc*/, void* /*closure*/) { log::Warn("nats disconnected"); }
void OnReconnected(natsConnection* /*nc*/, void* /*closure*/) { log::Info("nats reconnected"); }

// Every event is kept (no maximum age): read models are rebuilt from the first one.
StreamConfig WantedStream(const NatsSettings& s, std::string_view name, std::string_view subject) {
  return StreamConfig{.name = std::string(name),
                      .subjects = {std::string(subject)},
                      .file_storage = s.file_storage,
                      .replicas = s.stream_replicas,
                      .duplicate_window = s.duplicate_window,
                      .max_age = {}};
}

void EnsureStream(NatsClient& nats, const NatsSettings& s, std::string_view name,
                  std::string_view subject) {
  StreamConfig wanted = WantedStream(s, name, subject);
  auto have = GetStream(nats, name);
  if (!have) {
    try {
      CreateStream(nats, wanted);
      log::Info("stream created", {{"stream", name}});
      return;
    } catch (const UnavailableError&) {
      throw;
    } catch (const Error&) {
      // Services started together race to create the stream, and the server refuses the
      // creates that lose ("subjects overlap with an existing stream"); the winner's stream
      // is then checked like any existing one.
      have = GetStream(nats, name);
      if (!have) throw;
    }
  }
  if (have->config.file_storage != wanted.file_storage) {
    log::Warn("stream storage differs from STREAM_STORAGE and cannot be changed in place",
              {{"stream", name}});
    wanted.file_storage = have->config.file_storage;
  }
  if (have->config == wanted) return;
  UpdateStream(nats, wanted);
  log::Info("stream updated", {{"stream", name}});
}

// A TLS setting nats.c refused (an unreadable or malformed PEM file, a key that is not the
// certificate's): the service cannot start, so a ConfigError naming the setting.
void CheckTls(natsStatus status, const char* setting, const std::string& what) {
  if (status == NATS_OK) return;
  std::string message = std::string(setting) + ": cannot " + what;
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') {
    message += ": " + std::string(detail);
  }
  throw ConfigError(message, setting);
}

void ConfigureTls(natsOptions* options, const NatsTls& tls) {
  if (!tls.enabled) return;
  CheckTls(natsOptions_SetSecure(options, true), "NATS_URL", "turn TLS on");
  if (!tls.ca_file.empty()) {
    CheckTls(natsOptions_LoadCATrustedCertificates(options, tls.ca_file.c_str()), "NATS_TLS_CA",
             "load the CA certificates of " + tls.ca_file);
  }
  if (!tls.cert_file.empty()) {
    CheckTls(
        natsOptions_LoadCertificatesChain(options, tls.cert_file.c_str(), tls.key_file.c_str()),
        "NATS_TLS_CERT",
        "load the client certificate " + tls.cert_file + " with key " + tls.key_file);
  }
  // nats.c checks the server certificate's name only when told which name to expect.
  CheckTls(natsOptions_SetExpectedHostname(options, tls.hostname.c_str()), "NATS_TLS_HOSTNAME",
           "expect the server name " + tls.hostname);
}

// The options of every connection to the settings' servers: servers, name, credentials, TLS.
natsOptions* ConnectionOptions(const NatsSettings& settings) {
  natsOptions* options = nullptr;
  CheckNats(natsOptions_Create(&options), "nats options");
  std::vector<const char*> urls;
  urls.reserve(settings.urls.size());
  for (const auto& url : settings.urls) urls.push_back(url.c_str());
  natsOptions_SetServers(options, urls.data(), static_cast<int>(urls.size()));
  natsOptions_SetName(options, settings.client_name.c_str());
  natsOptions_SetTimeout(options, 2000);
  if (!settings.user.empty()) {
    natsOptions_SetUserInfo(options, settings.user.c_str(), settings.password.c_str());
  }
  try {
    ConfigureTls(options, settings.tls);
  } catch (...) {
    natsOptions_Destroy(options);
    throw;
  }
  return options;
}

std::string TlsRefusal(const std::string& detail) {
  return "TLS handshake with the NATS server failed (" + detail +
         "): is NATS_TLS_CA the CA of the server's certificate, does that certificate name "
         "the host (NATS_TLS_HOSTNAME), does the server want a client certificate "
         "(NATS_TLS_CERT, NATS_TLS_KEY)?";
}

// nats.c 3.4 gives a retrying connection up for good when its very first attempt reaches a
// server but fails the handshake (fixed upstream in 3.12), which would leave a service
// waiting forever and saying only "no server available". So one attempt without retries
// comes first: a TLS handshake that fails (or TLS the server lacks) is a configuration
// error, reported now with the reason; an unreachable server is left to the retrying
// connection.
void RefuseFailedHandshake(const NatsSettings& settings) {
  natsOptions* options = ConnectionOptions(settings);
  natsOptions_SetAllowReconnect(options, false);
  natsConnection* probe = nullptr;
  const natsStatus status = natsConnection_Connect(&probe, options);
  const char* last = nats_GetLastError(nullptr);
  const std::string detail = last != nullptr ? last : natsStatus_GetText(status);
  if (probe != nullptr) {
    natsConnection_Close(probe);
    natsConnection_Destroy(probe);
  }
  natsOptions_Destroy(options);
  if (status == NATS_SSL_ERROR && settings.tls.enabled) {
    throw ConfigError(TlsRefusal(detail), "NATS_TLS_CA");
  }
  if (status == NATS_SSL_ERROR) {
    throw ConfigError(
        "the NATS server wants TLS: write NATS_URL as tls://host:port and set "
        "NATS_TLS_CA (" +
            detail + ")",
        "NATS_URL");
  }
  if (status == NATS_SECURE_CONNECTION_WANTED) {
    throw ConfigError("NATS_URL asks for TLS (tls://) but the NATS server does not offer it",
                      "NATS_URL");
  }
  // Under TLS 1.3 the server checks the client's certificate after the handshake and just
  // hangs up: nats.c then reads nothing where it expects PONG.
  if (status == NATS_PROTOCOL_ERROR && settings.tls.enabled) {
    throw ConfigError("the NATS server closed the connection right after the TLS handshake (" +
                          detail +
                          "): it wants a client certificate it trusts, NATS_TLS_CERT "
                          "and NATS_TLS_KEY signed by its CA",
                      "NATS_TLS_CERT");
  }
}

}  // namespace

bool IsNatsUnavailable(natsStatus status) {
  return status == NATS_CONNECTION_CLOSED || status == NATS_CONNECTION_DISCONNECTED ||
         status == NATS_NO_SERVER || status == NATS_TIMEOUT || status == NATS_NOT_YET_CONNECTED ||
         status == NATS_NO_RESPONDERS || status == NATS_IO_ERROR || status == NATS_STALE_CONNECTION;
}

void CheckNats(natsStatus status, std::string_view what, jsErrCode js_error) {
  if (status == NATS_OK) return;
  std::string message = std::string(what) + ": " + natsStatus_GetText(status);
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') {
    message += " (" + std::string(detail) + ")";
  }
  if (js_error != 0) message += " [jetstream error " + std::to_string(js_error) + "]";
  if (IsNatsUnavailable(status)) throw UnavailableError("nats unavailable: " + message);
  throw Error(message);
}

NatsClient::NatsClient(const NatsSettings& settings)
    : native_(std::make_unique<Native>()), settings_(settings) {
  RefuseFailedHandshake(settings);
  auto& n = *native_;
  n.options = ConnectionOptions(settings);
  natsOptions_SetMaxReconnect(n.options, -1);
  natsOptions_SetReconnectWait(n.options, 250);
  natsOptions_SetReconnectBufSize(n.options, kReconnectBufferBytes);
  natsOptions_SetRetryOnFailedConnect(n.options, true, OnConnected, nullptr);
  natsOptions_SetDisconnectedCB(n.options, OnDisconnected, nullptr);
  natsOptions_SetReconnectedCB(n.options, OnReconnected, nullptr);
  const natsStatus status = natsConnection_Connect(&n.connection, n.options);
  if (status != NATS_NOT_YET_CONNECTED) CheckNats(status, "connect to nats");
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = 5000;
  CheckNats(natsConnection_JetStream(&n.js, n.connection, &js_options), "jetstream context");
}

NatsClient::~NatsClient() {
  auto& n = *native_;
  if (n.js != nullptr) jsCtx_Destroy(n.js);
  if (n.connection != nullptr) {
    natsConnection_Close(n.connection);
    natsConnection_Destroy(n.connection);
  }
  if (n.options != nullptr) natsOptions_Destroy(n.options);
}

bool NatsClient::Connected() const {
  return natsConnection_Status(native_->connection) == NATS_CONN_STATUS_CONNECTED;
}

std::string NatsClient::LastError() const {
  if (Connected()) return {};
  const char* text = nullptr;
  const natsStatus status = natsConnection_GetLastError(native_->connection, &text);
  const std::string detail = text != nullptr ? text : "";
  if (status == NATS_SSL_ERROR) return TlsRefusal(detail);
  if (status == NATS_SECURE_CONNECTION_WANTED) {
    return "NATS_URL asks for TLS (tls://) but the NATS server does not offer it";
  }
  return status == NATS_OK ? std::string() : detail;
}

bool NatsClient::WaitConnected(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Connected()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void NatsClient::EnsureStreams() {
  EnsureStream(*this, settings_, kEventStream, kEventSubjects);
  EnsureStream(*this, settings_, kDeadLetterStream, kDeadLetterSubjects);
}

std::uint64_t NatsClient::Publish(std::string_view subject, std::string_view payload,
                                  const NatsHeaders& headers, std::chrono::milliseconds timeout) {
  const std::string subject_text(subject);
  natsMsg* msg = nullptr;
  CheckNats(natsMsg_Create(&msg, subject_text.c_str(), nullptr, payload.data(),
                           static_cast<int>(payload.size())),
            "create message");
  for (const auto& [key, value] : headers) natsMsgHeader_Set(msg, key.c_str(), value.c_str());
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = timeout.count();
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus status = js_PublishMsg(&ack, native_->js, msg, &options, &jerr);
  natsMsg_Destroy(msg);
  const std::uint64_t sequence = ack != nullptr ? ack->Sequence : 0;
  if (ack != nullptr) jsPubAck_Destroy(ack);
  CheckNats(status, "publish to " + subject_text, jerr);
  return sequence;
}

void NatsClient::Drain(std::chrono::milliseconds timeout) {
  if (Connected()) natsConnection_FlushTimeout(native_->connection, timeout.count());
}

}  // namespace blog

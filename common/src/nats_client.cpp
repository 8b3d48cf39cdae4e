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
  std::vector<const char*> urls;
  urls.reserve(settings.urls.size());
  for (const auto& url : settings.urls) urls.push_back(url.c_str());
  auto& n = *native_;
  CheckNats(natsOptions_Create(&n.options), "nats options");
  natsOptions_SetServers(n.options, urls.data(), static_cast<int>(urls.size()));
  natsOptions_SetName(n.options, settings.client_name.c_str());
  natsOptions_SetMaxReconnect(n.options, -1);
  natsOptions_SetReconnectWait(n.options, 250);
  natsOptions_SetReconnectBufSize(n.options, kReconnectBufferBytes);
  natsOptions_SetTimeout(n.options, 2000);
  natsOptions_SetRetryOnFailedConnect(n.options, true, OnConnected, nullptr);
  natsOptions_SetDisconnectedCB(n.options, OnDisconnected, nullptr);
  natsOptions_SetReconnectedCB(n.options, OnReconnected, nullptr);
  if (!settings.user.empty()) {
    natsOptions_SetUserInfo(n.options, settings.user.c_str(), settings.password.c_str());
  }
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

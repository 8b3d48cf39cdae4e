#include "common/nats_client.hpp"

#include <thread>
#include <vector>

#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/log.hpp"

#include "nats_native.hpp"

namespace blog {
namespace {

constexpr int kReconnectBufferBytes = 8 * 1024 * 1024;

void OnConnected(natsConnection* /*nc*/, void* /*closure*/) { log::Info("nats connected"); }
void OnDisconnected(natsConnection* /*nc*/, void* /*closure*/) { log::Warn("nats disconnected"); }
void OnReconnected(natsConnection* /*nc*/, void* /*closure*/) { log::Info("nats reconnected"); }

jsStreamConfig StreamConfig(const NatsSettings& s, const char* name, const char** subjects) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = s.file_storage ? js_FileStorage : js_MemoryStorage;
  cfg.Replicas = s.stream_replicas;
  cfg.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(s.duplicate_window).count();
  cfg.MaxAge = 0;  // every event is kept: read models are rebuilt from the first one
  return cfg;
}

// The stream's info, or nullptr when the server has no stream of that name.
jsStreamInfo* LookUpStream(jsCtx* js, const std::string& name) {
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus status = js_GetStreamInfo(&info, js, name.c_str(), nullptr, &jerr);
  if (status == NATS_NOT_FOUND) return nullptr;
  CheckNats(status, "look up stream " + name, jerr);
  return info;
}

void EnsureStream(jsCtx* js, const NatsSettings& s, std::string_view name,
                  std::string_view subject) {
  const std::string name_text(name);
  const std::string subject_text(subject);
  const char* subjects[] = {subject_text.c_str()};
  jsStreamConfig cfg = StreamConfig(s, name_text.c_str(), subjects);
  jsStreamInfo* info = LookUpStream(js, name_text);
  if (info == nullptr) {
    jsErrCode jerr = static_cast<jsErrCode>(0);
    try {
      CheckNats(js_AddStream(&info, js, &cfg, nullptr, &jerr), "create stream " + name_text, jerr);
      log::Info("stream created", {{"stream", name}});
      jsStreamInfo_Destroy(info);
      return;
    } catch (const UnavailableError&) {
      throw;
    } catch (const Error&) {
      // Services started together race to create the stream, and the server refuses the
      // creates that lose ("subjects overlap with an existing stream"); the winner's stream
      // is then checked like any existing one.
      info = LookUpStream(js, name_text);
      if (info == nullptr) throw;
    }
  }
  const jsStreamConfig* have = info->Config;
  const bool same = have->Replicas == cfg.Replicas && have->Duplicates == cfg.Duplicates &&
                    have->SubjectsLen == 1 && subject_text == have->Subjects[0] &&
                    have->MaxAge == 0;
  if (have->Storage != cfg.Storage) {
    log::Warn("stream storage differs from STREAM_STORAGE and cannot be changed in place",
              {{"stream", name}});
    cfg.Storage = have->Storage;
  }
  jsStreamInfo_Destroy(info);
  if (same) return;
  info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  CheckNats(js_UpdateStream(&info, js, &cfg, nullptr, &jerr), "update stream " + name_text, jerr);
  log::Info("stream updated", {{"stream", name}});
  jsStreamInfo_Destroy(info);
}

}  // namespace

bool IsNatsUnavailable(natsStatus status) {
  return status == NATS_CONNECTION_CLOSED || status == NATS_CONNECTION_DISCONNECTED ||
         status == NATS_NO_SERVER || status == NATS_TIMEOUT || status == NATS_NOT_YET_CONNECTED ||
         status == NATS_NO_RESPONDERS || status == NATS_IO_ERROR || status == NATS_STALE_CONNECTION;
}

// JetStream answers of a cluster in the middle of an election or missing a node: temporary.
bool IsJetStreamUnavailable(jsErrCode code) {
  return code == JSClusterNoPeersErr || code == JSClusterNotAvailErr ||
         code == JSClusterNotLeaderErr || code == JSStreamOfflineErr || code == JSConsumerOfflineErr;
}

void CheckNats(natsStatus status, std::string_view what, jsErrCode js_error) {
  if (status == NATS_OK) return;
  std::string message = std::string(what) + ": " + natsStatus_GetText(status);
  if (const char* detail = nats_GetLastError(nullptr); detail != nullptr && *detail != '\0') {
    message += " (" + std::string(detail) + ")";
  }
  if (js_error != 0) message += " [jetstream error " + std::to_string(js_error) + "]";
  if (IsNatsUnavailable(status) || IsJetStreamUnavailable(js_error)) {
    throw UnavailableError("nats unavailable: " + message);
  }
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
  EnsureStream(native_->js, settings_, kEventStream, kEventSubjects);
  EnsureStream(native_->js, settings_, kDeadLetterStream, kDeadLetterSubjects);
}

void NatsClient::Publish(std::string_view subject, std::string_view payload,
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
  if (ack != nullptr) jsPubAck_Destroy(ack);
  CheckNats(status, "publish to " + subject_text, jerr);
}

void NatsClient::Drain(std::chrono::milliseconds timeout) {
  if (Connected()) natsConnection_FlushTimeout(native_->connection, timeout.count());
}

}  // namespace blog

// NATS over TLS, against a real nats-server started by scripts/servers with certificates of
// a throwaway CA (scripts/nats-tls-certs): the services connect with NATS_URL=tls://... and
// NATS_TLS_CA, publish and consume; a client that does not trust the server's CA, or expects
// another name, or lacks the client certificate a verifying server wants, is refused and
// says why.
#include <chrono>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/nats_client.hpp"
#include "common/stream_reader.hpp"

#include "harness.hpp"

using namespace blog;
using namespace std::chrono_literals;
using test::Eventually;

namespace {

NatsSettings Settings(std::string url, NatsTls tls) {
  return {.urls = {std::move(url)},
          .user = {},
          .password = {},
          .stream_replicas = 1,
          .file_storage = true,
          .duplicate_window = 2min,
          .client_name = "tls-test",
          .tls = std::move(tls)};
}

NatsSettings TlsSettings(const test::NatsServer& server, NatsTls tls) {
  tls.enabled = true;
  if (tls.hostname.empty()) tls.hostname = "localhost";
  return Settings(server.url(), std::move(tls));
}

// The ConfigError building a client with `settings` throws: "setting: message", or "" when
// the client is built.
std::string Refusal(const NatsSettings& settings) {
  try {
    NatsClient client(settings);
    return "";
  } catch (const ConfigError& e) {
    return e.Field() + ": " + e.what();
  }
}

// A service executable of the build, logging to a file of the test's own.
std::unique_ptr<test::Process> StartService(const std::string& service, int port,
                                            const test::TempDatabase& db,
                                            const test::NatsServer& nats,
                                            std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> env = {{"PORT", std::to_string(port)},
                                            {"DATABASE_URL", db.url()},
                                            {"NATS_URL", nats.url()},
                                            {"LOG_LEVEL", "info"},
                                            {"SHUTDOWN_TIMEOUT_MS", "5000"}};
  for (auto& [k, v] : extra) env[k] = v;
  const std::string binary = test::RequireEnv("BLOG_BIN_DIR") + "/" + service + "/" + service;
  return std::make_unique<test::Process>(
      std::vector<std::string>{binary}, env,
      "/tmp/blog-tls-" + service + "-" + std::to_string(port) + ".log");
}

}  // namespace

TEST_CASE("services connect to nats-server over TLS, publish their events and consume them",
          "[integration][tls]") {
  const test::TlsCertificates certs;
  test::NatsServer nats(false, {.certs_dir = certs.dir()});
  REQUIRE(nats.url().rfind("tls://localhost:", 0) == 0);
  const test::TempDatabase posts_db, query_db;
  const int posts_port = test::FreePort(), query_port = test::FreePort();
  const std::map<std::string, std::string> tls = {{"NATS_TLS_CA", certs.File("ca.crt")}};
  auto posts = StartService("posts", posts_port, posts_db, nats, tls);
  auto query = StartService("query", query_port, query_db, nats, tls);
  for (const auto& [name, port, process] : {std::tuple{"posts", posts_port, posts.get()},
                                            std::tuple{"query", query_port, query.get()}}) {
    INFO(name << " log:\n" << test::ReadFile(process->log_path()));
    REQUIRE(Eventually([port = port] { return test::Http(port, "GET", "/readyz").status == 200; },
                       20s));
  }

  // posts publishes PostCreated over TLS (outbox relay); query consumes it over TLS.
  const auto created = test::Http(posts_port, "POST", "/posts/create", R"({"title":"over tls"})");
  REQUIRE(created.status == 201);
  const auto id_at = created.body.find(R"("id":")") + 6;
  const std::string id = created.body.substr(id_at, created.body.find('"', id_at) - id_at);
  CHECK(Eventually([&] {
    const auto r = test::Http(query_port, "GET", "/posts/" + id);
    return r.status == 200 && r.body.find("over tls") != std::string::npos;
  }));

  // And a plain client finds no way in: the server speaks TLS only, and says so.
  const std::string plain =
      Refusal(Settings("nats://127.0.0.1:" + std::to_string(nats.port()), {}));
  INFO(plain);
  CHECK(plain.rfind("NATS_URL: the NATS server wants TLS", 0) == 0);
}

TEST_CASE("a service that does not trust the server's CA refuses to start and logs why",
          "[integration][tls]") {
  const test::TlsCertificates certs;
  test::NatsServer nats(false, {.certs_dir = certs.dir()});
  const test::TempDatabase db;
  auto posts = StartService("posts", test::FreePort(), db, nats, {});  // no NATS_TLS_CA
  const int status = posts->Wait(20s);
  const std::string log = test::ReadFile(posts->log_path());
  INFO(log);
  CHECK(status == 2);
  CHECK(log.find("invalid configuration") != std::string::npos);
  CHECK(log.find("TLS handshake with the NATS server failed") != std::string::npos);
  CHECK(log.find("unable to get local issuer certificate") != std::string::npos);
  CHECK(log.find(R"("setting":"NATS_TLS_CA")") != std::string::npos);
}

TEST_CASE(
    "a client is refused with a clear error when it trusts another CA or expects another "
    "name",
    "[integration][tls]") {
  const test::TlsCertificates certs, other;
  test::NatsServer nats(false, {.certs_dir = certs.dir()});

  const std::string untrusted = Refusal(TlsSettings(nats, {.ca_file = other.File("ca.crt")}));
  INFO(untrusted);
  CHECK(untrusted.rfind("NATS_TLS_CA: TLS handshake with the NATS server failed", 0) == 0);
  CHECK(untrusted.find("unable to get local issuer certificate") != std::string::npos);

  const std::string mismatch =
      Refusal(TlsSettings(nats, {.ca_file = certs.File("ca.crt"), .hostname = "nats.example.org"}));
  INFO(mismatch);
  CHECK(mismatch.find("hostname mismatch") != std::string::npos);

  // The right CA and name: connected, and JetStream works over it.
  NatsClient trusting(TlsSettings(nats, {.ca_file = certs.File("ca.crt")}));
  REQUIRE(trusting.WaitConnected(5s));
  CHECK(trusting.LastError().empty());
  trusting.EnsureStreams();
  trusting.Publish(PostCreated::kSubject, "{}", {{"Nats-Msg-Id", "tls-1"}});
  CHECK(GetStreamPosition(trusting, kEventStream).messages == 1);
}

TEST_CASE("a client started before its TLS server comes up says why it cannot connect",
          "[integration][tls]") {
  const test::TlsCertificates certs, other;
  test::NatsServer nats(false, {.certs_dir = certs.dir()});
  nats.Stop();
  // Built while the server is down: it keeps trying, and the handshakes fail once it is up.
  NatsClient client(TlsSettings(nats, {.ca_file = other.File("ca.crt")}));
  nats.Start();
  std::string error;
  CHECK(Eventually([&] {
    return !(error = client.LastError()).empty() &&
           error.find("TLS handshake") != std::string::npos;
  }));
  INFO(error);
  CHECK_FALSE(client.Connected());
  CHECK(error.find("NATS_TLS_CA") != std::string::npos);
}

TEST_CASE("a server that verifies clients takes only a client with NATS_TLS_CERT and NATS_TLS_KEY",
          "[integration][tls]") {
  const test::TlsCertificates certs;
  test::NatsServer nats(false, {.certs_dir = certs.dir(), .verify_clients = true});

  const std::string without = Refusal(TlsSettings(nats, {.ca_file = certs.File("ca.crt")}));
  INFO(without);
  CHECK(without.rfind("NATS_TLS_CERT: the NATS server closed the connection right after the TLS "
                      "handshake",
                      0) == 0);

  NatsClient with(TlsSettings(nats, {.ca_file = certs.File("ca.crt"),
                                     .cert_file = certs.File("client.crt"),
                                     .key_file = certs.File("client.key")}));
  REQUIRE(with.WaitConnected(5s));
  with.EnsureStreams();
  with.Publish(PostCreated::kSubject, "{}", {{"Nats-Msg-Id", "mtls-1"}});
  CHECK(GetStreamPosition(with, kEventStream).messages == 1);
}

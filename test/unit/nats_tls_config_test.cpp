// The NATS TLS settings (NATS_URL tls://, NATS_TLS_*): what turns TLS on, and the
// combinations refused at start with a ConfigError naming the setting.
#include <cstdlib>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "common/config.hpp"
#include "common/errors.hpp"
#include "common/nats_client.hpp"

using namespace blog;

namespace {

// Sets one NATS_TLS_* variable for one test and unsets them all afterwards.
class TlsEnv {
 public:
  TlsEnv(const char* name, const std::string& value) { setenv(name, value.c_str(), 1); }
  ~TlsEnv() {
    for (const char* k : {"NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY", "NATS_TLS_HOSTNAME"}) {
      unsetenv(k);
    }
  }
  TlsEnv(const TlsEnv&) = delete;
  TlsEnv& operator=(const TlsEnv&) = delete;
  TlsEnv(TlsEnv&&) = delete;
  TlsEnv& operator=(TlsEnv&&) = delete;
};

// The setting a ConfigError names, or "" when `urls` are accepted.
std::string RefusedSetting(const std::vector<std::string>& urls) {
  try {
    NatsTlsFromEnv(urls);
    return "";
  } catch (const ConfigError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(e.Field()) != std::string::npos);
    return e.Field();
  }
}

// A readable file for the settings that name one.
std::string TextFile(const std::string& text) {
  const std::string path = "/tmp/blog-tls-config-test.pem";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("nats:// URLs leave TLS off and tls:// URLs turn it on, checking the URL's host name",
          "[config][tls]") {
  CHECK_FALSE(NatsTlsFromEnv({"nats://nats:4222"}).enabled);
  const auto tls = NatsTlsFromEnv({"tls://nats:4222", "tls://user:pw@nats:4223"});
  CHECK(tls.enabled);
  CHECK(tls.hostname == "nats");
  CHECK(tls.ca_file.empty());
}

TEST_CASE("a NATS_TLS setting without tls:// URLs is refused rather than ignored",
          "[config][tls]") {
  const TlsEnv env("NATS_TLS_CA", TextFile("ca"));
  CHECK(RefusedSetting({"nats://nats:4222"}) == "NATS_TLS_CA");
}

TEST_CASE("tls:// and nats:// URLs together are refused", "[config][tls]") {
  CHECK(RefusedSetting({"tls://nats-0:4222", "nats://nats-1:4222"}) == "NATS_URL");
}

TEST_CASE("a client certificate without its key, or a key without its certificate, is refused",
          "[config][tls]") {
  {
    const TlsEnv env("NATS_TLS_CERT", TextFile("cert"));
    CHECK(RefusedSetting({"tls://nats:4222"}) == "NATS_TLS_KEY");
  }
  const TlsEnv env("NATS_TLS_KEY", TextFile("key"));
  CHECK(RefusedSetting({"tls://nats:4222"}) == "NATS_TLS_CERT");
}

TEST_CASE("a NATS_TLS_CA file that cannot be read is refused", "[config][tls]") {
  const TlsEnv env("NATS_TLS_CA", "/nonexistent/ca.crt");
  CHECK(RefusedSetting({"tls://nats:4222"}) == "NATS_TLS_CA");
}

TEST_CASE("TLS to an IP address or to several hosts needs NATS_TLS_HOSTNAME", "[config][tls]") {
  CHECK(RefusedSetting({"tls://127.0.0.1:4222"}) == "NATS_TLS_HOSTNAME");
  CHECK(RefusedSetting({"tls://[::1]:4222"}) == "NATS_TLS_HOSTNAME");
  CHECK(RefusedSetting({"tls://nats-0.nats:4222", "tls://nats-1.nats:4222"}) ==
        "NATS_TLS_HOSTNAME");
  const TlsEnv env("NATS_TLS_HOSTNAME", "nats");
  CHECK(RefusedSetting({"tls://127.0.0.1:4222", "tls://127.0.0.1:4223"}).empty());
  CHECK(NatsTlsFromEnv({"tls://127.0.0.1:4222"}).hostname == "nats");
}

TEST_CASE("a NATS_TLS_CA file that holds no certificate stops the client from being built",
          "[config][tls]") {
  const TlsEnv env("NATS_TLS_CA", TextFile("not a certificate\n"));
  NatsSettings settings{.urls = {"tls://localhost:1"},
                        .user = {},
                        .password = {},
                        .stream_replicas = 1,
                        .file_storage = true,
                        .duplicate_window = std::chrono::minutes(2),
                        .client_name = "tls-config-test",
                        .tls = NatsTlsFromEnv({"tls://localhost:1"})};
  try {
    NatsClient client(settings);
    FAIL("the client was built with a CA file that holds no certificate");
  } catch (const ConfigError& e) {
    CHECK(e.Field() == "NATS_TLS_CA");
    CHECK(std::string(e.what()).find("/tmp/blog-tls-config-test.pem") != std::string::npos);
  }
}

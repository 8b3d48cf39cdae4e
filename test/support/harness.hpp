// Test harness: real servers and real processes for integration and end-to-end tests.
//
// Environment (set by `./blog test`, see scripts/test-env):
//   BLOG_TEST_PG_ADMIN_URL  libpq URL of a role that may create databases (required)
//   BLOG_ROOT               repository root (for scripts/servers)
//   BLOG_BIN_DIR            build folder holding posts/posts, comments/comments, ...
// Every test gets its own databases and its own nats-server (started with scripts/servers on a
// free port), so tests never see each other's events and can restart servers freely.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/database.hpp"
#include "common/nats_client.hpp"

namespace blog::test {

// Skip-free: a missing variable fails the test with a message saying how to run it.
std::string RequireEnv(const char* name);

// A free TCP port on 127.0.0.1.
int FreePort();

// Polls `condition` every 20 ms until it is true or `timeout` passes; returns the last result.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A database created for one test and dropped afterwards.
class TempDatabase {
 public:
  TempDatabase();
  ~TempDatabase();
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  TempDatabase(TempDatabase&&) = delete;
  TempDatabase& operator=(TempDatabase&&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // Runs `sql` in a transaction of its own; returns the first column of the first row ("" when
  // there is none). For seeding and checking tables beside the code under test.
  std::string Sql(const std::string& sql) const;

 private:
  std::string name_;
  std::string url_;
};

// TLS for a NatsServer: the folder of scripts/nats-tls-certs output (server.crt, server.key,
// ca.crt); with verify_clients, clients must present a certificate signed by that CA.
struct NatsServerTls {
  std::string certs_dir;
  bool verify_clients = false;
};

// A nats-server with JetStream in its own temp folder, started through scripts/servers. With
// `auth`, every service has its own user and permissions (scripts/nats-auth) and anonymous
// connections are refused. With `tls`, it accepts TLS clients only, and url() is
// tls://localhost:PORT (the certificate names localhost).
class NatsServer {
 public:
  explicit NatsServer(bool auth = false, NatsServerTls tls = {});
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;
  NatsServer(NatsServer&&) = delete;
  NatsServer& operator=(NatsServer&&) = delete;
  void Start();
  void Stop();
  std::string url() const {
    return tls_.certs_dir.empty() ? "nats://127.0.0.1:" + std::to_string(port_)
                                  : "tls://localhost:" + std::to_string(port_);
  }
  int port() const { return port_; }
  bool auth() const { return auth_; }
  // The password of `user` ("posts", ..., "admin"); empty without auth.
  std::string Password(const std::string& user) const;

 private:
  bool auth_;
  NatsServerTls tls_;
  int port_;
  std::string dir_;
};

// A throwaway CA with a server certificate for localhost and a client certificate, made by
// scripts/nats-tls-certs in a temp folder that is removed with this object.
class TlsCertificates {
 public:
  TlsCertificates();
  ~TlsCertificates();
  TlsCertificates(const TlsCertificates&) = delete;
  TlsCertificates& operator=(const TlsCertificates&) = delete;
  TlsCertificates(TlsCertificates&&) = delete;
  TlsCertificates& operator=(TlsCertificates&&) = delete;
  const std::string& dir() const { return dir_; }
  std::string File(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

// A nats-server and a database of the test's own, a client of each (the streams created,
// `migrations` applied as `component`): where a test of listeners and projections starts.
struct Servers {
  Servers(const std::string& client_name, const std::string& component,
          const std::vector<Migration>& migrations);
  // The rows of `sql` on `db`, one "a|b|" line each (NULL as empty): a state to compare.
  std::string Rows(const std::string& sql);
  // The integer in the first column of the first row of `sql`, e.g. a count.
  int Count(const std::string& sql) { return std::stoi(Rows(sql)); }
  NatsServer server;
  TempDatabase pg;
  NatsClient nats;
  Database db;
};

// A child process with extra environment variables; output goes to a log file.
class Process {
 public:
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
          std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  Process(Process&&) = delete;
  Process& operator=(Process&&) = delete;
  void Signal(int signal);
  // Waits for exit (up to `timeout`); returns the exit status, or -1 on timeout / signal death.
  int Wait(std::chrono::milliseconds timeout);
  bool Running();
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

struct HttpResult {
  int status = 0;                              // 0: no answer
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One HTTP/1.1 request to 127.0.0.1:`port` (Connection: close). Never throws.
HttpResult Http(int port, const std::string& method, const std::string& target,
                const std::string& body = {}, const std::string& content_type = "application/json",
                const std::map<std::string, std::string>& headers = {});

// Reads a file whole ("" when missing).
std::string ReadFile(const std::string& path);

}  // namespace blog::test

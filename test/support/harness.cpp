#include "harness.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <pqxx/pqxx>

#include "common/ascii.hpp"
#include "common/ids.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace blog::test {

std::string RequireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) +
                             " is not set: run the suite with `./blog test` so that it starts "
                             "PostgreSQL and sets the test environment");
  }
  return value;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TempDatabase::TempDatabase() {
  const std::string admin = RequireEnv("BLOG_TEST_PG_ADMIN_URL");
  name_ = "t_" + NewUuid().substr(0, 8) + NewUuid().substr(0, 8);
  pqxx::connection conn(admin);
  pqxx::nontransaction tx(conn);
  tx.exec("CREATE DATABASE " + name_);
  const auto slash = admin.rfind('/');
  url_ = admin.substr(0, slash + 1) + name_;
}

TempDatabase::~TempDatabase() {
  try {
    pqxx::connection conn(RequireEnv("BLOG_TEST_PG_ADMIN_URL"));
    pqxx::nontransaction tx(conn);
    tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // leave it: the test cluster is thrown away after the run
  }
}

std::string TempDatabase::Sql(const std::string& sql) const {
  pqxx::connection conn(url_);
  pqxx::work tx(conn);
  const auto rows = tx.exec(sql);
  tx.commit();
  return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].c_str();
}

namespace {

int RunScript(const std::string& command) { return std::system(command.c_str()); }

std::string ServersCommand(int port, bool auth, const NatsServerTls& tls, const std::string& dir,
                           const std::string& verb) {
  std::string tls_env;
  if (!tls.certs_dir.empty()) {
    tls_env = "BLOG_NATS_TLS=" + tls.certs_dir +
              " BLOG_NATS_TLS_VERIFY=" + (tls.verify_clients ? "1 " : "0 ");
  }
  return tls_env + "BLOG_NATS_AUTH=" + std::string(auth ? "1" : "0") +
         " NATS_PORT=" + std::to_string(port) + " " + RequireEnv("BLOG_ROOT") +
         "/scripts/servers " + verb + " " + dir + " >/dev/null";
}

}  // namespace

TlsCertificates::TlsCertificates() {
  char pattern[] = "/tmp/blog-certs-XXXXXX";
  dir_ = mkdtemp(pattern);
  if (RunScript(RequireEnv("BLOG_ROOT") + "/scripts/nats-tls-certs " + dir_) != 0) {
    throw std::runtime_error("scripts/nats-tls-certs could not make certificates in " + dir_);
  }
}

TlsCertificates::~TlsCertificates() { RunScript("rm -rf " + dir_); }

NatsServer::NatsServer(bool auth, NatsServerTls tls)
    : auth_(auth), tls_(std::move(tls)), port_(FreePort()) {
  char pattern[] = "/tmp/blog-nats-XXXXXX";
  dir_ = mkdtemp(pattern);
  Start();
}

NatsServer::~NatsServer() {
  Stop();
  RunScript("rm -rf " + dir_);
}

void NatsServer::Start() {
  if (RunScript(ServersCommand(port_, auth_, tls_, dir_, "start-nats")) != 0) {
    throw std::runtime_error("nats-server did not start on port " + std::to_string(port_));
  }
}

void NatsServer::Stop() { RunScript(ServersCommand(port_, auth_, tls_, dir_, "stop-nats")); }

std::string NatsServer::Password(const std::string& user) const {
  if (!auth_) return "";
  std::string key = "NATS_PASSWORD_";
  for (const char c : user)
    key.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  std::istringstream lines(ReadFile(dir_ + "/nats-credentials.env"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                 std::string log_path)
    : log_path_(std::move(log_path)) {
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

Process::~Process() {
  if (Running()) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(5));
  }
}

void Process::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
    return false;
  }
  return true;
}

int Process::Wait(std::chrono::milliseconds timeout) {
  Eventually([&] { return !Running(); }, timeout);
  return Running() ? -1 : status_;
}

HttpResult Http(int port, const std::string& method, const std::string& target,
                const std::string& body, const std::string& content_type,
                const std::map<std::string, std::string>& headers) {
  HttpResult result;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return result;
  }
  std::ostringstream request;
  request << method << " " << target << " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!body.empty() || method == "POST") {
    if (!content_type.empty()) request << "Content-Type: " << content_type << "\r\n";
    request << "Content-Length: " << body.size() << "\r\n";
  }
  for (const auto& [k, v] : headers) request << k << ": " << v << "\r\n";
  request << "\r\n" << body;
  const std::string out = request.str();
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buffer[65536];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
    // Stop once the declared body is complete (the server may keep the connection open).
    const auto end = raw.find("\r\n\r\n");
    if (end != std::string::npos) {
      const std::string lower = AsciiLower(raw.substr(0, end));
      const auto cl = lower.find("content-length:");
      if (cl != std::string::npos && raw.size() >= end + 4 + std::stoul(lower.substr(cl + 15))) {
        break;
      }
    }
  }
  close(fd);
  const auto end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return result;
  result.status = std::stoi(raw.substr(9, 3));
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = AsciiLower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    result.headers[name] = value;
  }
  result.body = raw.substr(end + 4);
  return result;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Servers::Servers(const std::string& client_name, const std::string& component,
                 const std::vector<Migration>& migrations)
    : nats(NatsSettings{.urls = {server.url()},
                        .user = {},
                        .password = {},
                        .stream_replicas = 1,
                        .file_storage = true,
                        .duplicate_window = std::chrono::minutes(2),
                        .client_name = client_name}),
      db(pg.url(), 4, "/test") {
  if (!nats.WaitConnected(std::chrono::seconds(5))) {
    throw std::runtime_error("the test's nats-server did not take a client within 5 s");
  }
  nats.EnsureStreams();
  db.Migrate(component, migrations);
}

std::string Servers::Rows(const std::string& sql) {
  std::string out;
  db.Transact([&](Tx& tx) {
    const blog::Rows rows = tx.ExecScript(sql);
    for (const Row& row : rows) {
      for (const auto column : rows.Columns()) {
        out += std::string(row.Get<std::optional<std::string_view>>(column).value_or("")) + "|";
      }
      out += "\n";
    }
  });
  return out;
}

}  // namespace blog::test

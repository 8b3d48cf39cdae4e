#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <strings.h>

namespace bench {

std::string HttpReply::Header(const std::string& name) const {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos
                                                                            : next - pos - 2);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      const std::size_t start = line.find_first_not_of(' ', name.size() + 1);
      return start == std::string::npos ? std::string() : line.substr(start);
    }
    pos = next;
  }
  return {};
}

HttpClient::HttpClient(std::string host, int port, std::string host_header, int timeout_ms)
    : host_(std::move(host)),
      port_(port),
      host_header_(host_header.empty() ? host_ : std::move(host_header)),
      timeout_ms_(timeout_ms) {}

HttpClient::~HttpClient() { Close(); }

bool HttpClient::Connect() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A stuck server fails the request instead of hanging the caller.
  timeval timeout{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Close();
    return false;
  }
  buffer_.clear();
  return true;
}

void HttpClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool HttpClient::SendAll(const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool HttpClient::Fill() {
  char chunk[65536];
  const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool HttpClient::ReadReply(HttpReply& reply) {
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return false;
  }
  const std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  if (head.compare(0, 5, "HTTP/") != 0 || head.size() < 12) return false;
  reply.status = std::atoi(head.c_str() + 9);
  reply.head = head;
  long length = -1;
  bool chunked = false;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos
                                                                            : next - pos - 2);
    if (strncasecmp(line.c_str(), "content-length:", 15) == 0) length = std::atol(line.c_str() + 15);
    if (strncasecmp(line.c_str(), "transfer-encoding:", 18) == 0 &&
        line.find("chunked") != std::string::npos) {
      chunked = true;
    }
    pos = next;
  }
  reply.body.clear();
  if (chunked) {
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!Fill()) return false;
      }
      const std::size_t size = std::strtoul(buffer_.c_str(), nullptr, 16);
      buffer_.erase(0, eol + 2);
      while (buffer_.size() < size + 2) {
        if (!Fill()) return false;
      }
      reply.body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) return true;
    }
  }
  if (length < 0) length = 0;
  while (buffer_.size() < static_cast<std::size_t>(length)) {
    if (!Fill()) return false;
  }
  reply.body.assign(buffer_, 0, static_cast<std::size_t>(length));
  buffer_.erase(0, static_cast<std::size_t>(length));
  return true;
}

std::string HttpClient::Format(const std::string& method, const std::string& path,
                               const std::string& json_body, const HttpHeaders& headers) const {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host_header_ + "\r\n";
  if (!json_body.empty() || method == "POST") {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(json_body.size()) + "\r\n";
  }
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  return request + "\r\n" + json_body;
}

HttpReply HttpClient::Request(const std::string& method, const std::string& path,
                              const std::string& json_body) {
  const std::string request = Format(method, path, json_body, {});
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !Connect()) return {};
    HttpReply reply;
    if (SendAll(request) && ReadReply(reply)) return reply;
    Close();  // stale keep-alive connection or a failure: one fresh try
  }
  return {};
}

HttpReply HttpClient::RequestOnce(const std::string& method, const std::string& path,
                                  const std::string& json_body, const HttpHeaders& headers) {
  if (fd_ < 0 && !Connect()) return {};
  HttpReply reply;
  if (SendAll(Format(method, path, json_body, headers)) && ReadReply(reply)) {
    if (reply.Header("Connection") == "close") Close();
    return reply;
  }
  Close();
  return {};
}

}  // namespace bench

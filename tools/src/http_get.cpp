#include "http_get.hpp"

#include <array>
#include <memory>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace blog::ctl {
namespace {

// Closes the socket on every path out.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) close(fd);
  }
};

int Connect(const std::string& host, int port, std::chrono::milliseconds timeout, Socket& s) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    s.fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (s.fd < 0) continue;
    // Bounds connect (Linux honours the send timeout there), writes and reads.
    setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(s.fd, a->ai_addr, a->ai_addrlen) == 0) return s.fd;
    close(s.fd);
    s.fd = -1;
  }
  return -1;
}

}  // namespace

std::optional<std::string> HttpGet(const std::string& host, int port, const std::string& path,
                                   std::chrono::milliseconds timeout) {
  Socket s;
  if (Connect(host, port, timeout, s) < 0) return std::nullopt;
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                              std::to_string(port) + "\r\nConnection: close\r\n\r\n";
  if (send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return std::nullopt;
  }
  std::string response;
  std::array<char, 16384> buffer{};
  for (;;) {
    const ssize_t n = recv(s.fd, buffer.data(), buffer.size(), 0);
    if (n < 0) return std::nullopt;  // timed out or failed
    if (n == 0) break;
    response.append(buffer.data(), static_cast<std::size_t>(n));
  }
  // The services answer with Content-Length and close the connection: the body is what follows
  // the headers.
  const auto end = response.find("\r\n\r\n");
  if (end == std::string::npos || response.compare(0, 12, "HTTP/1.1 200") != 0) {
    return std::nullopt;
  }
  return response.substr(end + 4);
}

}  // namespace blog::ctl

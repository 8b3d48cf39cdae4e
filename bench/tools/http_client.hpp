// A minimal blocking HTTP/1.1 client over one keep-alive loopback connection, for the bench
// tools only (libc sockets, no library). Understands Content-Length and chunked bodies.
// Not thread-safe: one client per thread.
#pragma once

#include <string>

namespace bench {

struct HttpReply {
  int status = 0;  // 0: the request failed (connection error or timeout)
  std::string body;
};

class HttpClient {
 public:
  HttpClient(std::string host, int port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request; reconnects once when the kept-alive connection was closed.
  HttpReply Request(const std::string& method, const std::string& path,
                    const std::string& json_body = {});

 private:
  bool Connect();
  void Close();
  bool SendAll(const std::string& data);
  bool ReadReply(HttpReply& reply);
  bool Fill();  // reads more bytes into buffer_; false on EOF or error

  std::string host_;
  int port_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace bench

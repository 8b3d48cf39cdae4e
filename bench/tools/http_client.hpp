// A minimal blocking HTTP/1.1 client over one keep-alive loopback connection, for the bench
// tools and the failover suite's load generator (libc sockets, no library). Understands
// Content-Length and chunked bodies. Not thread-safe: one client per thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bench {

struct HttpReply {
  int status = 0;  // 0: the request failed (connection error or timeout)
  std::string body;
  std::string head;  // status line and headers

  // The value of header `name` (case-insensitive), or "" when absent.
  std::string Header(const std::string& name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // `host_header` is sent as Host (default: `host`); a request that gets no answer within
  // `timeout_ms` fails with status 0.
  HttpClient(std::string host, int port, std::string host_header = {}, int timeout_ms = 10000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request; reconnects once when the kept-alive connection was closed.
  HttpReply Request(const std::string& method, const std::string& path,
                    const std::string& json_body = {});

  // Sends one request once, with `headers` added: no second try, so that the caller decides
  // what a failure means (a POST that got no answer may have been applied).
  HttpReply RequestOnce(const std::string& method, const std::string& path,
                        const std::string& json_body, const HttpHeaders& headers);

 private:
  bool Connect();
  void Close();
  bool SendAll(const std::string& data);
  bool ReadReply(HttpReply& reply);
  bool Fill();  // reads more bytes into buffer_; false on EOF or error

  std::string Format(const std::string& method, const std::string& path,
                     const std::string& json_body, const HttpHeaders& headers) const;

  std::string host_;
  int port_;
  std::string host_header_;
  int timeout_ms_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace bench

#include "raw_exchange.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <rapidjson/document.h>

#include "common/ascii.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace blog::test::corpus {
namespace {

using Clock = std::chrono::steady_clock;

// Parses the responses in `raw`, skipping interim 1xx ones. True once a final response is
// complete: its Content-Length is read, its last chunk arrived, or (neither) the server closed.
bool ParseResponse(const std::string& raw, bool closed, Exchange& out) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = raw.find("\r\n\r\n", start);
    if (end == std::string::npos || raw.compare(start, 5, "HTTP/") != 0) return false;
    const std::size_t space = raw.find(' ', start);
    if (space == std::string::npos || space + 4 > end) return false;
    int status = 0;
    if (std::sscanf(raw.c_str() + space + 1, "%3d", &status) != 1) return false;
    std::map<std::string, std::string> headers;
    std::size_t line = raw.find("\r\n", start) + 2;
    while (line < end) {
      const std::size_t eol = raw.find("\r\n", line);
      const std::size_t colon = raw.find(':', line);
      if (colon != std::string::npos && colon < eol) {
        std::string value = raw.substr(colon + 1, eol - colon - 1);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t") + 1);
        headers[AsciiLower(raw.substr(line, colon - line))] = value;
      }
      line = eol + 2;
    }
    if (status >= 100 && status < 200) {
      start = end + 4;
      continue;
    }
    const std::string rest = raw.substr(end + 4);
    bool complete = closed;
    if (headers.count("content-length") != 0) {
      const auto length = std::stoull("0" + headers["content-length"]);
      complete = rest.size() >= length;
      out.body = rest.substr(0, std::min<std::size_t>(rest.size(), length));
    } else if (AsciiLower(headers["transfer-encoding"]).find("chunked") != std::string::npos) {
      complete = complete || rest.find("0\r\n\r\n") != std::string::npos;
      out.body = rest;  // error bodies are never chunked by our server; kept for the report
    } else {
      out.body = rest;
    }
    out.status = status;
    out.headers = std::move(headers);
    return complete;
  }
}

}  // namespace

Exchange RawExchange(int port, std::string_view bytes, std::chrono::milliseconds deadline) {
  Exchange ex;
  const auto started = Clock::now();
  const auto until = started + deadline;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd >= 0) close(fd);
    return ex;
  }
  ex.connected = true;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::size_t sent = 0;
  bool can_send = true;
  char buffer[65536];
  while (!ex.answered && !ex.closed) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, static_cast<short>(POLLIN | (can_send && sent < bytes.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100))) <= 0) continue;
    if ((p.revents & POLLOUT) != 0) {
      const std::size_t chunk = std::min<std::size_t>(bytes.size() - sent, 65536);
      const ssize_t n = send(fd, bytes.data() + sent, chunk, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        can_send = false;  // the server stopped reading (EPIPE / ECONNRESET): read what it said
      }
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n > 0) {
        ex.received.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        ex.closed = true;
      }
      ex.answered = ParseResponse(ex.received, ex.closed, ex);
    }
  }
  close(fd);
  ex.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return ex;
}

HeldConnection::HeldConnection(int port, std::string_view bytes) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
}

HeldConnection::~HeldConnection() {
  if (fd_ >= 0) close(fd_);
}

std::string ErrorBodyProblem(const std::string& content_type, const std::string& body) {
  if (AsciiLower(content_type).rfind("application/json", 0) != 0) {
    return "content type '" + content_type + "' is not application/json";
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (doc.HasParseError()) return "error body is not valid UTF-8 JSON";
  if (!doc.IsObject() || !doc.HasMember("errors") || !doc["errors"].IsArray() ||
      doc["errors"].Empty()) {
    return "error body has no non-empty \"errors\" array";
  }
  for (const auto& e : doc["errors"].GetArray()) {
    if (!e.IsObject() || !e.HasMember("message") || !e["message"].IsString() ||
        e["message"].GetStringLength() == 0) {
      return "an error has no \"message\" string";
    }
    if (e.HasMember("field") && !e["field"].IsString())
      return "an error's \"field\" is not a string";
  }
  return {};
}

std::string Verdict(const Expectation& expect, const Exchange& ex) {
  if (!ex.connected) return "connection refused (is the service down?)";
  if (ex.answered) {
    const int s = ex.status;
    const bool is_4xx = s >= 400 && s < 500;
    const bool listed = expect.statuses.count(s) != 0 || (expect.any_4xx && is_4xx);
    const auto it = ex.headers.find("content-type");
    const std::string problem =
        ErrorBodyProblem(it == ex.headers.end() ? std::string() : it->second, ex.body);
    // Under `close`, the framing layer may refuse with a bare 4xx of its own; an answer with the
    // routes' error body came from the application and must have a listed status.
    if (!listed) {
      const bool framing_refusal = expect.close && is_4xx && !problem.empty();
      return framing_refusal ? std::string() : "answered " + std::to_string(s);
    }
    if (!is_4xx || expect.close || problem.empty()) return {};
    return "answered " + std::to_string(s) + " but " + problem;
  }
  if (ex.closed) {
    if (expect.close) return {};
    return ex.received.empty() ? "connection closed without an answer"
                               : "connection closed after an incomplete answer";
  }
  const std::string seconds = std::to_string(ex.elapsed.count() / 1000);
  return expect.close && ex.received.empty()
             ? "connection still open, without an answer, after " + seconds + " s"
             : "no complete answer within " + seconds + " s";
}

std::string Printable(std::string_view bytes, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bytes.size() > max) out += "... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

}  // namespace blog::test::corpus

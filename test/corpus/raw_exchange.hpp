// Sends raw bytes to a local port and reads what comes back, without assuming the bytes are a
// well-formed request: sending and reading interleave (a server may answer before it has read
// everything, or reset the connection), and the exchange ends at a complete response, at the
// server's close, or at the deadline, whichever comes first. The socket is never half-closed, so a
// truncated request stays truncated until the server gives up on it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "corpus_case.hpp"

namespace blog::test::corpus {

struct Exchange {
  bool connected = false;
  bool answered = false;                       // a complete final (non-1xx) response was read
  bool closed = false;                         // the server closed or reset the connection
  int status = 0;                              // of the final response, when answered
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string received;  // every byte read, for reports
  std::chrono::milliseconds elapsed{0};
};

Exchange RawExchange(int port, std::string_view bytes, std::chrono::milliseconds deadline);

// A slow client: connects, sends `bytes` and then stays silent until destroyed.
class HeldConnection {
 public:
  HeldConnection(int port, std::string_view bytes);
  ~HeldConnection();
  HeldConnection(const HeldConnection&) = delete;
  HeldConnection& operator=(const HeldConnection&) = delete;
  HeldConnection(HeldConnection&&) = delete;
  HeldConnection& operator=(HeldConnection&&) = delete;
  bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Why `exchange` breaks `expect` (empty when it does not).
std::string Verdict(const Expectation& expect, const Exchange& exchange);

// Why `body` is not the error body {"errors":[{"message":"…"}]} in valid UTF-8 JSON (empty: it is).
std::string ErrorBodyProblem(const std::string& content_type, const std::string& body);

// Printable form of raw bytes, cut at `max` bytes: escapes CR, LF, NUL and non-ASCII as \xHH.
std::string Printable(std::string_view bytes, std::size_t max = 160);

}  // namespace blog::test::corpus

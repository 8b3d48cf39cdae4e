// A minimal HTTP/1.1 GET for blogctl top: one request per connection, plain http only.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace blog::ctl {

// The body of a 200 answer to GET http://`host`:`port``path`; nullopt when the server cannot be
// reached, answers with another status or does not finish within `timeout`.
std::optional<std::string> HttpGet(const std::string& host, int port, const std::string& path,
                                   std::chrono::milliseconds timeout);

}  // namespace blog::ctl

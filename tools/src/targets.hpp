// Where blogctl top finds each service instance's /metrics: given on the command line, or read
// from the topology file the scripts write (Prometheus file_sd JSON, scripts/monitoring).
#pragma once

#include <string>
#include <vector>

namespace blog::ctl {

struct Target {
  std::string service;  // "comments"
  std::string name;     // the instance: "comments", "comments-2", or its address
  std::string host;
  int port = 0;
};

// "comments-2=127.0.0.1:4001", "127.0.0.1:4001" or "http://127.0.0.1:4001[/metrics]"; the
// service is the name up to its first dash (the address when no name is given). Throws
// UsageError for anything else.
Target ParseTarget(const std::string& text);

// Every target of a file_sd file: [{"targets": ["HOST:PORT", ...], "labels": {"service": ...,
// "replica": ...}}, ...]. Throws Error naming the file when it is missing or not in that shape.
std::vector<Target> ReadTargetsFile(const std::string& path);

}  // namespace blog::ctl

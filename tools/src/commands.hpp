// The blogctl commands. Each receives its parsed arguments and streams and returns the exit code
// (0 ok, 1 failure); they throw UsageError for bad input (exit 2) and blog::Error for failures
// that blogctl reports on stderr (exit 1).
#pragma once

#include <functional>
#include <memory>
#include <ostream>

#include "common/nats_client.hpp"

#include "args.hpp"

namespace blog::ctl {

struct Invocation {
  const Args& args;
  std::ostream& out;
  std::ostream& err;
  // Connects on first use from NATS_URL (default nats://127.0.0.1:4222), NATS_USER and
  // NATS_PASSWORD; throws UnavailableError when the server cannot be reached in a few seconds.
  std::function<NatsClient&()> nats;
  // Set by Ctrl-C: long-running commands (events tail --follow) return when it is true.
  const std::function<bool()>& interrupted;
};

int EventsTail(Invocation& in);
int EventsStats(Invocation& in);
int Consumers(Invocation& in);
int Flow(Invocation& in);
int Replay(Invocation& in);
int DlqList(Invocation& in);
int DlqShow(Invocation& in);
int DlqRequeue(Invocation& in);
int DlqPurge(Invocation& in);
int Schema(Invocation& in);
int Top(Invocation& in);

}  // namespace blog::ctl

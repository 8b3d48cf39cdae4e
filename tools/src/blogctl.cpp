#include "blogctl.hpp"

#include <memory>
#include <optional>

#include "common/config.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/log.hpp"

#include "commands.hpp"

namespace blog::ctl {
namespace {

struct Command {
  std::vector<std::string> words;  // {"events", "tail"}
  std::string positional;          // usage of the positional arguments, e.g. "SEQ|all"
  std::size_t min_args = 0;
  std::size_t max_args = 0;
  std::string summary;
  std::string details;
  std::vector<OptionSpec> options;
  int (*run)(Invocation&);
};

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {{"events", "tail"},
       "",
       0,
       0,
       "print stored events readably, oldest first",
       "Reads stream BLOG with a temporary consumer (the services' consumers are not touched).\n"
       "Without --from it starts at the last 10 matching events (--last N). Each line shows the\n"
       "stream sequence, when the event was stored, its type and data fields, its source and\n"
       "trace id. With --json, one JSON object per event and line.",
       {{"type", "TYPE", "only events of this type (PostCreated, CommentCreated, ...)"},
        {"from", "SEQ|TIME",
         "start at a stream sequence, a time (2026-11-28T12:00:00Z) or a time ago (15m, 2h, 1d)"},
        {"last", "N", "without --from: start at the last N matching events (default 10)"},
        {"limit", "N", "stop after N events"},
        {"follow", "", "after the stored events, wait for new ones until Ctrl-C (or --limit)"}},
       EventsTail},
      {{"events", "stats"},
       "",
       0,
       0,
       "count stored events per type and dead letters per consumer",
       "Shows stream BLOG's size and sequence range, the number of events of each type, and\n"
       "stream BLOG_DLQ's dead letters per consumer.",
       {},
       EventsStats},
      {{"consumers"},
       "",
       0,
       0,
       "show the durable consumers on stream BLOG and their backlog",
       "For each durable consumer: pending (stored, not yet delivered), ack-pending (delivered,\n"
       "not yet acknowledged), redelivered, waiting pull requests (bound replicas), delivered\n"
       "and acknowledged stream sequences. Consumers the catalog expects but the server does\n"
       "not have are listed as missing (their service has not started yet).",
       {},
       Consumers},
      {{"flow"},
       "",
       0,
       0,
       "which service publishes and which consumes each event (the catalog)",
       "Printed from the event catalog compiled into blogctl (common/catalog.hpp), the same\n"
       "source as docs/asyncapi.yaml.",
       {},
       Flow},
      {{"replay"},
       "SERVICE",
       1,
       1,
       "make a service's durable consumers deliver again from a stream sequence",
       "For each durable consumer of SERVICE (\"<service>-<Type>\", or only --type), deletes it "
       "and\n"
       "creates it again with the same settings but delivering from --from SEQ (deliver-all when\n"
       "SEQ is at or before the stream's first event). The service's running replicas keep\n"
       "fetching from the consumer of the same name and receive the events again.\n"
       "\n"
       "Safe by construction:\n"
       "- Nothing is skipped: SEQ must not be after a consumer's acknowledged floor + 1, so\n"
       "  every event not yet acknowledged is delivered again. A later SEQ is refused unless\n"
       "  --allow-skip is given (then the skipped events are never applied by that consumer).\n"
       "- Nothing is applied twice: events carry their ids and the service's inbox skips those\n"
       "  it has already applied. Replay therefore changes state only for events the service's\n"
       "  database does not have, e.g. after restoring that database from a backup.\n"
       "- All consumers are checked before any is changed; --dry-run only prints the plan.",
       {{"from", "SEQ", "first stream sequence to deliver again (required)"},
        {"type", "TYPE", "only the consumer of this event type"},
        {"dry-run", "", "print what would be done and change nothing"},
        {"allow-skip", "", "allow SEQ after the acknowledged floor (skips those events)"}},
       Replay},
      {{"dlq", "list"},
       "",
       0,
       0,
       "list dead letters on stream BLOG_DLQ with their error",
       "One line per dead letter: its sequence on BLOG_DLQ, when it was dead-lettered, the\n"
       "consumer that gave up, the original subject and sequence, the event type and id, and\n"
       "the error (Blog-Error header).",
       {{"consumer", "NAME", "only dead letters of this consumer"}},
       DlqList},
      {{"dlq", "show"},
       "SEQ",
       1,
       1,
       "print one dead letter: all headers and the event",
       "",
       {},
       DlqShow},
      {{"dlq", "requeue"},
       "SEQ|all",
       1,
       1,
       "publish dead letters again to their original subject, then remove them",
       "Republishes the stored event bytes unchanged (same event id) to Blog-Original-Subject\n"
       "with a new Nats-Msg-Id, so the stream stores it again even inside its duplicate window,\n"
       "and the consumers' inboxes still apply it at most once: the consumer that failed applies\n"
       "it now, the other consumers of that subject skip it as a duplicate. The traceparent is\n"
       "kept. Only after the publish is acknowledged is the dead letter deleted (a crash in\n"
       "between leaves it listed; requeueing it again is harmless). Undecodable events are not\n"
       "requeued (they would only be dead-lettered again): inspect and purge them.",
       {{"consumer", "NAME", "with 'all': only dead letters of this consumer"}},
       DlqRequeue},
      {{"dlq", "purge"},
       "SEQ|all",
       1,
       1,
       "delete dead letters without requeueing them",
       "",
       {{"consumer", "NAME", "with 'all': only dead letters of this consumer"}},
       DlqPurge},
      {{"schema"},
       "",
       0,
       0,
       "write the AsyncAPI document and JSON Schemas of every event version",
       "Writes DIR/asyncapi.yaml and DIR/asyncapi.json (AsyncAPI 3.0: channels = subjects,\n"
       "messages = event types and versions with schema and example, operations = which\n"
       "service sends and receives each) and DIR/schemas/<Type>/v<N>.json (JSON Schema draft\n"
       "2020-12), all generated from the event catalog. The committed schemas are the contract:\n"
       "a change that breaks one (anything but a new optional field) is refused with what broke,\n"
       "and nothing is written. --check compares instead of writing and fails on a breaking\n"
       "change or a difference.",
       {{"out", "DIR", "output folder (default: docs)"},
        {"check", "",
         "do not write; exit 1 on a breaking change or when DIR differs from the generated "
         "documents"}},
       Schema},
      {{"top"},
       "[[NAME=]HOST:PORT...]",
       0,
       256,
       "a live view: per service and consumer, rates, backlog and dead letters",
       "Redraws every second until Ctrl-C, like `nats top`. Per service: instances answering,\n"
       "API requests and 5xx answers per second, events published per second, outbox rows and\n"
       "the oldest one's age. Per durable consumer: events acknowledged per second, pending,\n"
       "ack-pending and redelivered (from NATS, as `blogctl consumers`) and dead letters waiting\n"
       "on BLOG_DLQ. Rates are the change of each instance's counters between two refreshes.\n"
       "\n"
       "The instances are read at http://HOST:PORT/metrics: those named as arguments (NAME is\n"
       "the service, or a replica such as comments-2), else those of the topology file given\n"
       "by --targets or $BLOG_TARGETS (Prometheus file_sd JSON, which `./blog up` writes to\n"
       ".data/monitoring/targets.json; `./blog ctl top` passes it).",
       {{"targets", "FILE", "topology file to read the instances from"},
        {"interval-ms", "MS", "time between refreshes (default 1000)"},
        {"count", "N", "stop after N refreshes (default: until Ctrl-C)"},
        {"plain", "", "append each refresh instead of redrawing the screen"}},
       Top},
  };
  return commands;
}

std::string Synopsis(const Command& c) {
  std::string s = "blogctl";
  for (const auto& w : c.words) s += " " + w;
  if (!c.positional.empty()) s += " " + c.positional;
  for (const auto& o : c.options)
    s += " [--" + o.name + (o.value.empty() ? "" : " " + o.value) + "]";
  return s + " [--json]";
}

void PrintHelp(const Command& c, std::ostream& out) {
  out << "usage: " << Synopsis(c) << "\n\n" << c.summary << "\n";
  if (!c.details.empty()) out << "\n" << c.details << "\n";
  out << "\noptions:\n";
  for (const auto& o : c.options) {
    std::string left = "--" + o.name + (o.value.empty() ? "" : " " + o.value);
    left.resize(std::max<std::size_t>(left.size() + 2, 22), ' ');
    out << "  " << left << o.help << "\n";
  }
  out << "  --json                machine-readable output\n"
         "  -h, --help            this help\n";
}

void PrintOverview(std::ostream& out, std::string_view group = {}) {
  out << "usage: blogctl COMMAND [options]   (blogctl COMMAND --help for details)\n\ncommands:\n";
  for (const auto& c : Commands()) {
    if (!group.empty() && c.words.front() != group) continue;
    std::string left;
    for (const auto& w : c.words) left += (left.empty() ? "" : " ") + w;
    if (!c.positional.empty()) left += " " + c.positional;
    left.resize(std::max<std::size_t>(left.size() + 2, 22), ' ');
    out << "  " << left << c.summary << "\n";
  }
  if (group.empty()) {
    out << "\nenvironment: NATS_URL (default nats://127.0.0.1:4222), NATS_USER, NATS_PASSWORD\n"
           "exit codes: 0 ok, 1 failure, 2 usage error\n";
  }
}

const Command* Match(const std::vector<std::string>& args, std::size_t& used) {
  for (const auto& c : Commands()) {
    if (args.size() < c.words.size()) continue;
    if (std::equal(c.words.begin(), c.words.end(), args.begin())) {
      used = c.words.size();
      return &c;
    }
  }
  return nullptr;
}

NatsSettings SettingsFromEnv() {
  NatsSettings s;
  s.urls = EnvList("NATS_URL", "nats://127.0.0.1:4222");
  if (s.urls.empty()) throw ConfigError("NATS_URL must name at least one server", "NATS_URL");
  s.user = EnvString("NATS_USER", "");
  s.password = EnvString("NATS_PASSWORD", "");
  s.stream_replicas = 1;
  s.file_storage = true;
  s.duplicate_window = std::chrono::minutes(2);
  s.client_name = "blogctl";
  s.tls = NatsTlsFromEnv(s.urls);
  return s;
}

}  // namespace

int RunBlogctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
               const std::function<bool()>& interrupted) {
  // The library logs JSON lines on stdout (e.g. "nats disconnected" on close): keep blogctl's
  // stdout for its own output, errors aside.
  log::Init("blogctl", log::Level::kError);
  if (args.empty() || args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
    PrintOverview(args.empty() ? err : out);
    return args.empty() ? 2 : 0;
  }
  std::size_t used = 0;
  const Command* command = Match(args, used);
  if (command == nullptr) {
    const bool group = args.front() == "events" || args.front() == "dlq";
    const bool help = args.size() > 1 && (args[1] == "--help" || args[1] == "-h");
    if (group && (args.size() == 1 || help)) {
      PrintOverview(help ? out : err, args.front());
      return help ? 0 : 2;
    }
    err << "blogctl: unknown command '" << args.front()
        << (group && args.size() > 1 ? " " + args[1] : "") << "'\n";
    PrintOverview(err);
    return 2;
  }
  std::unique_ptr<NatsClient> nats;
  try {
    const Args parsed(std::vector<std::string>(args.begin() + static_cast<long>(used), args.end()),
                      command->options);
    if (parsed.help()) {
      PrintHelp(*command, out);
      return 0;
    }
    const auto count = parsed.positionals().size();
    if (count < command->min_args || count > command->max_args) {
      throw UsageError(command->positional.empty()
                           ? "unexpected argument '" + parsed.positionals().front() + "'"
                           : "expected " + command->positional);
    }
    Invocation invocation{parsed, out, err,
                          [&nats]() -> NatsClient& {
                            if (!nats) {
                              const NatsSettings settings = SettingsFromEnv();
                              nats = std::make_unique<NatsClient>(settings);
                              if (!nats->WaitConnected(std::chrono::seconds(5))) {
                                throw UnavailableError("cannot reach NATS at " +
                                                       settings.urls.front() + " (set NATS_URL)");
                              }
                            }
                            return *nats;
                          },
                          interrupted};
    return command->run(invocation);
  } catch (const UsageError& e) {
    err << "blogctl: " << e.what() << "\nusage: " << Synopsis(*command) << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "blogctl: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace blog::ctl

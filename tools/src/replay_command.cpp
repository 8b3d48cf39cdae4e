// blogctl replay SERVICE --from SEQ: see the command's help in blogctl.cpp for the contract.
#include <algorithm>
#include <climits>

#include "common/catalog.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/jetstream.hpp"
#include "common/listener.hpp"
#include "common/stream_reader.hpp"

#include "commands.hpp"
#include "output.hpp"

namespace blog::ctl {
namespace {

struct Step {
  std::string consumer;
  std::string subject;
  std::uint64_t ack_floor = 0;
  std::uint64_t redeliver = 0;  // matching events from the start sequence on
  std::uint64_t skipped = 0;    // unacknowledged events passed over (only with --allow-skip)
};

std::vector<std::string> TypesToReplay(const std::string& service, const Args& args) {
  const auto& services = CatalogServices();
  if (std::find(services.begin(), services.end(), service) == services.end()) {
    std::string known;
    for (const auto& s : services) known += (known.empty() ? "" : ", ") + s;
    throw UsageError("unknown service '" + service + "' (known: " + known + ")");
  }
  std::vector<std::string> types = ConsumedBy(service);
  if (types.empty())
    throw UsageError("service " + service + " consumes no events: nothing to replay");
  if (const auto type = args.Value("type")) {
    if (std::find(types.begin(), types.end(), *type) == types.end()) {
      throw UsageError("service " + service + " does not consume " + *type);
    }
    types = {*type};
  }
  return types;
}

}  // namespace

int Replay(Invocation& in) {
  const Args& a = in.args;
  const std::string service = a.positionals().front();
  const auto types = TypesToReplay(service, a);
  if (!a.Has("from")) throw UsageError("--from SEQ is required");
  const auto from = static_cast<std::uint64_t>(a.Int("from", 1, 1, INT64_MAX));
  const bool dry_run = a.Has("dry-run");
  const bool allow_skip = a.Has("allow-skip");

  NatsClient& nats = in.nats();
  const auto stream = GetStream(nats, kEventStream, false);
  if (!stream) throw Error("stream BLOG does not exist on this server (has a service started?)");
  if (from > stream->last_sequence + 1) {
    throw Error("--from " + std::to_string(from) + " is after the stream's last sequence " +
                std::to_string(stream->last_sequence));
  }

  // Check every consumer before changing any.
  std::vector<Step> steps;
  std::vector<std::string> problems;
  for (const auto& type : types) {
    const std::string name = ConsumerName(service, type);
    const auto state = GetConsumer(nats, kEventStream, name);
    if (!state) {
      problems.push_back("consumer " + name + " does not exist: start " + service +
                         " once so that it creates its consumers");
      continue;
    }
    Step step{name, state->config.filter_subject, state->ack_floor, 0, 0};
    const StartPosition start{StartPosition::Kind::kSequence, from, 0};
    step.redeliver = CountFrom(nats, kEventStream, step.subject, start);
    if (from > state->ack_floor + 1) {
      const StartPosition floor{StartPosition::Kind::kSequence, state->ack_floor + 1, 0};
      step.skipped = CountFrom(nats, kEventStream, step.subject, floor) - step.redeliver;
      if (!allow_skip && step.skipped > 0) {
        problems.push_back(name + " has acknowledged events only up to sequence " +
                           std::to_string(state->ack_floor) + "; starting at " +
                           std::to_string(from) + " would skip " + std::to_string(step.skipped) +
                           " event(s) it has not processed yet. Use --from " +
                           std::to_string(state->ack_floor + 1) +
                           " or lower, or --allow-skip to skip them on purpose");
      }
    }
    steps.push_back(step);
  }
  if (!problems.empty()) {
    for (const auto& p : problems) in.err << "blogctl: " << p << "\n";
    in.err << "blogctl: nothing was changed\n";
    return 1;
  }

  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  rapidjson::Value done(rapidjson::kArrayType);
  const StartPosition start = from <= stream->first_sequence
                                  ? StartPosition{}
                                  : StartPosition{StartPosition::Kind::kSequence, from, 0};
  for (const auto& step : steps) {
    std::string policy(DeliverPolicyName(start.kind));
    if (!dry_run) {
      const ConsumerState now = RecreateConsumer(nats, kEventStream, step.consumer, start);
      policy = DeliverPolicyName(now.config.start.kind);
    }
    if (a.json()) {
      rapidjson::Value row(rapidjson::kObjectType);
      row.AddMember("consumer", JsonString(doc, step.consumer), alloc);
      row.AddMember("previous_ack_floor", step.ack_floor, alloc);
      row.AddMember("deliver_policy", JsonString(doc, policy), alloc);
      row.AddMember("start_sequence", from, alloc);
      row.AddMember("redeliver", step.redeliver, alloc);
      row.AddMember("skipped", step.skipped, alloc);
      done.PushBack(row, alloc);
      continue;
    }
    in.out << step.consumer << ": " << (dry_run ? "would recreate" : "recreated")
           << " to deliver from sequence " << from << " (" << policy << "; acknowledged up to "
           << step.ack_floor << " before): " << step.redeliver << " " << step.subject
           << " event(s) " << (dry_run ? "would be" : "will be") << " delivered again";
    if (step.skipped > 0) in.out << "; " << step.skipped << " unprocessed event(s) skipped";
    in.out << "\n";
  }
  if (a.json()) {
    doc.AddMember("service", JsonString(doc, service), alloc);
    doc.AddMember("from", from, alloc);
    doc.AddMember("dry_run", dry_run, alloc);
    doc.AddMember("consumers", done, alloc);
    PrintJson(in.out, doc);
  } else if (!dry_run) {
    in.out << service
           << " receives these events again; its inbox skips every event it has "
              "already applied, so only missing effects are re-created.\n";
  }
  return 0;
}

}  // namespace blog::ctl

// The start-up of a service's one-off commands, beside RunService's start-up of the service.
#include <algorithm>
#include <iostream>

#include "common/errors.hpp"
#include "common/log.hpp"
#include "common/service.hpp"

namespace blog {
namespace {

constexpr int kCommandPoolSize = 2;
constexpr auto kNatsWait = std::chrono::seconds(10);

void PrintUsage(std::ostream& out, std::string_view name,
                const std::vector<ServiceCommand>& commands) {
  std::size_t width = 5;  // "serve"
  for (const auto& c : commands) width = std::max(width, c.name.size());
  const auto line = [&](std::string_view lead, std::string_view command, std::string_view text) {
    out << lead << name << " " << command << std::string(width - command.size() + 3, ' ') << text
        << "\n";
  };
  line("usage: ", "serve", "serve (the default; configured by the environment)");
  for (const auto& c : commands) line("       ", c.name, c.summary);
}

}  // namespace

int RunCommand(std::string_view service, int default_port, const std::vector<Migration>& migrations,
               const ServiceCommand& command) {
  try {
    const Config config = Config::FromEnv(service, default_port);
    log::Init(service, log::Level::kWarn);
    Database db(config.database_url, kCommandPoolSize, "/" + config.service);
    db.Migrate(config.service, migrations);
    NatsClient nats(config.nats);
    if (!nats.WaitConnected(kNatsWait)) {
      throw UnavailableError("cannot reach nats at " + config.nats.urls.front());
    }
    nats.EnsureStreams();
    CommandContext context{.config = config, .db = db, .nats = nats};
    command.run(context);
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << command.name << " failed: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << command.name << " failed: " << e.what() << "\n";
    return 1;
  }
}

int RunServiceOrCommand(int argc, const char* const* argv, std::string_view name, int default_port,
                        const std::vector<Migration>& migrations,
                        const std::function<void(Service&)>& wire,
                        const std::vector<ServiceCommand>& commands) {
  const std::string_view argument = argc >= 2 ? argv[1] : "serve";
  if (argc <= 2) {
    if (argument == "serve") return RunService(name, default_port, migrations, wire);
    for (const auto& command : commands) {
      if (argument == command.name) return RunCommand(name, default_port, migrations, command);
    }
    if (argument == "--help" || argument == "-h") {
      PrintUsage(std::cout, name, commands);
      return 0;
    }
  }
  PrintUsage(std::cerr, name, commands);
  return 2;
}

}  // namespace blog

#include <iostream>
#include <string_view>

#include "common/log.hpp"
#include "common/service.hpp"

#include "query.hpp"

namespace {

void AddProjectionListeners(blog::Service& service) {
  using blog::query::ProjectionListener;
  service.AddListener<ProjectionListener<blog::PostCreated>>();
  service.AddListener<ProjectionListener<blog::CommentCreated>>();
  service.AddListener<ProjectionListener<blog::CommentUpdated>>();
}

int Usage() {
  std::cerr << "usage: query            serve the read model (configured by the environment)\n"
               "       query rebuild    drop the read model and replay it from the first event\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace blog;
  if (argc > 2) return Usage();
  const std::string_view command = argc == 2 ? argv[1] : "serve";
  if (command == "--help" || command == "-h") {
    Usage();
    return 0;
  }
  if (command == "rebuild") {
    try {
      Config config = Config::FromEnv("query", query::kDefaultPort);
      log::Init("query", log::Level::kWarn);
      Database db(config.database_url, 2, "/query");
      db.Migrate("query", query::Migrations());
      NatsClient nats(config.nats);
      if (!nats.WaitConnected(std::chrono::seconds(10))) {
        std::cerr << "rebuild: cannot reach nats at " << config.nats.urls.front() << "\n";
        return 1;
      }
      nats.EnsureStreams();
      query::Rebuild(db, nats, std::cout);
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "rebuild failed: " << e.what() << "\n";
      return 1;
    }
  }
  if (command != "serve") return Usage();
  return RunService("query", query::kDefaultPort, query::Migrations(), [](Service& service) {
    AddProjectionListeners(service);
    service.MeasureReadModelLag();
    query::AddRoutes(service);
  });
}

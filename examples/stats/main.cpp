#include "common/service.hpp"

#include "stats.hpp"

int main() {
  using namespace blog;
  return RunService("stats", stats::kDefaultPort, stats::Migrations(), [](Service& service) {
    service.AddListener<stats::CommentUpdatedListener>();
    stats::AddRoutes(service);
  });
}

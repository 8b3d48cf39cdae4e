#include <iostream>

#include "common/service.hpp"

#include "projection_listener.hpp"
#include "query.hpp"
#include "rebuild.hpp"
#include "routes.hpp"
#include "schema.hpp"

int main(int argc, char** argv) {
  using namespace blog;
  return RunServiceOrCommand(
      argc, argv, "query", query::kDefaultPort, query::Migrations(),
      [](Service& service) {
        service.AddListener<query::ProjectionListener<PostCreated>>();
        service.AddListener<query::ProjectionListener<CommentCreated>>();
        service.AddListener<query::ProjectionListener<CommentUpdated>>();
        service.MeasureReadModelLag();
        query::AddRoutes(service, service.Config().query_cache_bytes,
                         service.Config().query_read_pool);
      },
      {{.name = "rebuild",
        .summary = "drop the read model and replay it from the first event",
        .run = [](CommandContext& c) { query::Rebuild(c.db, c.nats, std::cout); }}});
}

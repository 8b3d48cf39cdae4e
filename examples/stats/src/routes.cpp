#include <cstdint>
#include <string>

#include "common/errors.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "stats.hpp"

namespace blog::stats {
namespace {

constexpr const char* kCount = "stats_count";

HttpResponse GetStats(Database& db, const HttpRequest& request) {
  const std::string& post_id = request.params.at(0);
  if (!IsUuid(post_id)) throw NotFoundError("post " + post_id + " not found");
  std::int64_t approved = 0;
  std::int64_t rejected = 0;
  db.Transact([&](Tx& tx) {
    const auto rows = tx.Sql().exec_prepared(kCount, post_id);
    approved = rows[0][0].as<std::int64_t>();
    rejected = rows[0][1].as<std::int64_t>();
  });
  JsonWriter w;
  w.StartObject().Key("postId").String(post_id);
  w.Key("approved").Int(approved).Key("rejected").Int(rejected).EndObject();
  return HttpResponse::Json(200, w.Take());
}

}  // namespace

void AddRoutes(Service& service) {
  Database& db = service.db();
  db.Prepare(kCount,
             "SELECT count(*) FILTER (WHERE status = 'approved') AS approved, "
             "count(*) FILTER (WHERE status = 'rejected') AS rejected "
             "FROM comment_status WHERE post_id = $1");
  service.routes().Add("GET", "/stats/{postId}",
                       [&db](const HttpRequest& r) { return GetStats(db, r); });
}

}  // namespace blog::stats

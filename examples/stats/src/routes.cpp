#include <cstdint>
#include <string>

#include "common/errors.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"

#include "stats.hpp"

namespace blog::stats {
namespace {

const Statement kCount{"stats_count",
                       "SELECT count(*) FILTER (WHERE status = 'approved') AS approved, "
                       "count(*) FILTER (WHERE status = 'rejected') AS rejected "
                       "FROM comment_status WHERE post_id = $1"};

HttpResponse GetStats(Database& db, const HttpRequest& request) {
  const std::string& post_id = request.params.at(0);
  if (!IsUuid(post_id)) throw NotFoundError("post " + post_id + " not found");
  const Rows rows = db.Read(kCount, post_id);
  JsonWriter w;
  w.StartObject().Key("postId").String(post_id);
  w.Key("approved").Int(rows[0].Get<std::int64_t>("approved"));
  w.Key("rejected").Int(rows[0].Get<std::int64_t>("rejected"));
  return HttpResponse::Json(200, w.EndObject().Take());
}

}  // namespace

void AddRoutes(Service& service) {
  Database& db = service.Db();
  service.Routes().Add("GET", "/stats/{postId}",
                       [&db](const HttpRequest& r) { return GetStats(db, r); });
}

}  // namespace blog::stats

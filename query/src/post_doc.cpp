#include "post_doc.hpp"

namespace blog::query {
namespace {

// One comment object of the comments row `cm`.
constexpr std::string_view kCommentSql =
    R"sql('{"id":"' || cm.id || '","content":' || query_json_string(cm.content) || ',"status":' || query_json_string(cm.status) || '}')sql";

}  // namespace

std::string PostDocSql(std::string_view id_sql, std::string_view title_sql, DocLimit limit) {
  const std::string id(id_sql);
  const std::string head = "'" + std::string(kDocIdPrefix) + "' || " + id +
                           R"sql( || '","title":' || query_json_string()sql" +
                           std::string(title_sql) + R"sql() || ',"comments":[')sql";
  const std::string whole =
      head + " || coalesce((SELECT string_agg(" + std::string(kCommentSql) +
      ", ',' ORDER BY cm.created_seq) FROM comments cm WHERE cm.post_id = " + id + "), '') || ']}'";
  if (limit == DocLimit::kUncapped) return whole;
  // Counts at most kMaxStoredComments + 1 index entries first, so that each comment on a busy
  // post costs no rendering at all.
  return "CASE WHEN (SELECT count(*) FROM (SELECT FROM comments cm WHERE cm.post_id = " + id +
         " LIMIT " + std::to_string(kMaxStoredComments + 1) +
         ") AS first) <= " + std::to_string(kMaxStoredComments) + " THEN " + whole + " END";
}

}  // namespace blog::query

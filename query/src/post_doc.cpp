#include "post_doc.hpp"

namespace blog::query {
namespace {

// One comment object of the comments row `cm`.
constexpr std::string_view kCommentSql =
    R"sql('{"id":"' || cm.id || '","content":' || query_json_string(cm.content) || ',"status":' || query_json_string(cm.status) || '}')sql";

}  // namespace

std::string PostDocSql(std::string_view id_sql, std::string_view title_sql, DocLimit limit) {
  const std::string id(id_sql);
  const std::string head = R"sql('{"id":"' || )sql" + id +
                           R"sql( || '","title":' || query_json_string()sql" +
                           std::string(title_sql) + R"sql() || ',"comments":[')sql";
  if (limit == DocLimit::kUncapped) {
    return head + " || coalesce((SELECT string_agg(" + std::string(kCommentSql) +
           ", ',' ORDER BY cm.created_seq) FROM comments cm WHERE cm.post_id = " + id +
           "), '') || ']}'";
  }
  const std::string max = std::to_string(kMaxStoredComments);
  return "(SELECT CASE WHEN count(*) <= " + max + " THEN " + head +
         " || coalesce(string_agg(first.doc, ',' ORDER BY first.created_seq), '') || ']}' END "
         "FROM (SELECT " +
         std::string(kCommentSql) +
         " AS doc, cm.created_seq FROM comments cm WHERE cm.post_id = " + id +
         " ORDER BY cm.created_seq LIMIT " + std::to_string(kMaxStoredComments + 1) + ") first)";
}

}  // namespace blog::query

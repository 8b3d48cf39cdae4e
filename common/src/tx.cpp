#include "common/tx.hpp"

#include <vector>

#include "common/ids.hpp"
#include "common/trace.hpp"

#include "session.hpp"
#include "statements.hpp"

namespace blog {

OutboxRow MakeOutboxRow(const AnyEvent& event, std::string_view source, std::string event_id) {
  if (event_id.empty()) event_id = NewUuid();
  const EventMeta meta{.id = event_id, .source = std::string(source), .time = NowRfc3339()};
  const TraceParent& current = CurrentTrace();
  const TraceParent trace = current.trace_id.empty() ? TraceParent::New() : current.Child();
  return {.event_id = std::move(event_id),
          .subject = std::string(SubjectOf(event)),
          .payload = EncodeEvent(event, meta),
          .traceparent = trace.ToHeader()};
}

std::vector<SqlParam> WithOutboxRow(std::initializer_list<SqlParam> params, const OutboxRow& row) {
  std::vector<SqlParam> all(params);
  all.insert(all.end(), {row.event_id, row.subject, row.payload, row.traceparent});
  return all;
}

Rows Tx::ExecParams(const Statement& statement, std::initializer_list<SqlParam> params) {
  return session_.Exec(statement, std::span<const SqlParam>(params.begin(), params.size()));
}

void Tx::ExecAtCommitParams(const Statement& statement, std::initializer_list<SqlParam> params) {
  session_.ExecLater(statement, std::span<const SqlParam>(params.begin(), params.size()));
}

void Tx::ExecWithNextParams(const Statement& statement, std::initializer_list<SqlParam> params) {
  session_.ExecWithNext(statement, std::span<const SqlParam>(params.begin(), params.size()));
}

std::string Tx::ExecWithEventAtCommitParams(const Statement& statement, const AnyEvent& event,
                                            std::string event_id,
                                            std::initializer_list<SqlParam> params) {
  OutboxRow row = MakeOutboxRow(event, source_, std::move(event_id));
  session_.ExecLater(statement, WithOutboxRow(params, row));
  published_ = true;
  return row.event_id;
}

Rows Tx::ExecScript(std::string_view sql) { return session_.ExecScript(sql); }

std::string Tx::Publish(const AnyEvent& event, std::string event_id) {
  // The outbox row alone: the event's four parameters are all kOutboxInsert has.
  return ExecWithEventAtCommitParams(statement::kOutboxInsert, event, std::move(event_id), {});
}

}  // namespace blog

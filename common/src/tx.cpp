#include "common/tx.hpp"

#include "common/ids.hpp"
#include "common/trace.hpp"

#include "statements.hpp"

namespace blog {

std::string Tx::Publish(const AnyEvent& event, std::string event_id) {
  if (event_id.empty()) event_id = NewUuid();
  const EventMeta meta{.id = event_id, .source = std::string(source_), .time = NowRfc3339()};
  const TraceParent& current = CurrentTrace();
  const TraceParent trace = current.trace_id.empty() ? TraceParent::New() : current.Child();
  work_.exec_prepared(std::string(statement::kOutboxInsert), event_id,
                      std::string(SubjectOf(event)), EncodeEvent(event, meta), trace.ToHeader());
  published_ = true;
  return event_id;
}

}  // namespace blog

// W3C trace context. A request's `traceparent` (or a new one made at the HTTP edge) travels with
// every event it causes, through the outbox and every listener hop, and is attached to every log
// line written while that request or event is handled (see log.hpp).
#pragma once

#include <string>
#include <string_view>

namespace blog {

struct TraceParent {
  std::string trace_id;  // 32 lowercase hex digits
  std::string span_id;   // 16 lowercase hex digits

  // Parses "00-<trace id>-<span id>-<flags>"; an invalid header gives a new random trace.
  static TraceParent FromHeader(std::string_view header);
  // A new random trace.
  static TraceParent New();
  // The same trace with a new span id: the next hop.
  TraceParent Child() const;
  std::string ToHeader() const;
};

// The trace of the work the calling thread is doing now (empty trace_id when none).
const TraceParent& CurrentTrace();

// Sets the calling thread's current trace for its lifetime, restoring the previous one after.
class TraceScope {
 public:
  explicit TraceScope(TraceParent trace);
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;
  TraceScope(TraceScope&&) = delete;
  TraceScope& operator=(TraceScope&&) = delete;

 private:
  TraceParent previous_;
};

}  // namespace blog

#include "common/trace.hpp"

#include <cstdint>
#include <random>

namespace blog {
namespace {

std::string RandomHex(std::size_t digits) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digits);
  while (out.size() < digits) {
    std::uint64_t r = engine();
    for (int i = 0; i < 16 && out.size() < digits; ++i, r >>= 4) out.push_back(kHex[r & 0xf]);
  }
  return out;
}

bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return text.find_first_not_of('0') != std::string_view::npos;  // all-zero ids are invalid
}

thread_local TraceParent current_trace;

}  // namespace

TraceParent TraceParent::New() { return {RandomHex(32), RandomHex(16)}; }

TraceParent TraceParent::FromHeader(std::string_view header) {
  // version "00" - 32 hex - 16 hex - 2 hex flags
  if (header.size() != 55 || header.substr(0, 3) != "00-" || header[35] != '-' ||
      header[52] != '-') {
    return New();
  }
  TraceParent out{std::string(header.substr(3, 32)), std::string(header.substr(36, 16))};
  if (!IsLowerHex(out.trace_id) || !IsLowerHex(out.span_id)) return New();
  return out;
}

TraceParent TraceParent::Child() const { return {trace_id, RandomHex(16)}; }

std::string TraceParent::ToHeader() const { return "00-" + trace_id + "-" + span_id + "-01"; }

const TraceParent& CurrentTrace() { return current_trace; }

TraceScope::TraceScope(TraceParent trace) : previous_(std::move(current_trace)) {
  current_trace = std::move(trace);
}

TraceScope::~TraceScope() { current_trace = std::move(previous_); }

}  // namespace blog

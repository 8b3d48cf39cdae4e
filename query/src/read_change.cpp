#include "read_change.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace blog::query {
namespace {

constexpr std::size_t kUuidLength = 36;

bool IsLowerUuid(std::string_view text) {
  if (text.size() != kUuidLength) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

ReadModelChange Everything() {
  ReadModelChange change;
  change.everything = true;
  return change;
}

}  // namespace

ReadScope ReadScope::Post(std::string post_id) {
  ReadScope scope;
  scope.post_id = std::move(post_id);
  return scope;
}

ReadScope ReadScope::Listing(std::int64_t oldest, std::int64_t before) {
  ReadScope scope;
  scope.oldest = oldest;
  scope.before = before;
  return scope;
}

bool ReadModelChange::Touches(const ReadScope& scope) const {
  if (everything) return true;
  if (!scope.post_id.empty()) {
    return std::find(post_ids.begin(), post_ids.end(), scope.post_id) != post_ids.end();
  }
  return std::any_of(positions.begin(), positions.end(), [&](std::int64_t position) {
    return position >= scope.oldest && position < scope.before;
  });
}

ReadModelChange ParseChangeNotice(std::string_view notice) {
  if (notice.empty() || notice == "*") return Everything();
  ReadModelChange change;
  for (bool more = true; more;) {
    const auto comma = notice.find(',');
    const std::string_view item = notice.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) notice.remove_prefix(comma + 1);
    // "<uuid> <position>" or "<uuid> " (not listed)
    if (item.size() <= kUuidLength || item[kUuidLength] != ' ') return Everything();
    const std::string_view id = item.substr(0, kUuidLength);
    const std::string_view position = item.substr(kUuidLength + 1);
    if (!IsLowerUuid(id)) return Everything();
    change.post_ids.emplace_back(id);
    if (position.empty()) continue;
    std::int64_t value = 0;
    const auto [end, error] =
        std::from_chars(position.data(), position.data() + position.size(), value);
    if (error != std::errc() || end != position.data() + position.size()) return Everything();
    change.positions.push_back(value);
  }
  if (change.post_ids.empty()) return Everything();
  return change;
}

}  // namespace blog::query

#include "common/statement.hpp"

namespace blog {

void SqlArray::Separate() {
  if (size_++ > 0) text_ += ',';
}

void SqlArray::Add(std::string_view text) {
  Separate();
  text_ += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void SqlArray::Add(std::int64_t value) {
  Separate();
  text_ += std::to_string(value);
}

std::string SqlArray::Take() {
  text_ += '}';
  std::string out;
  out.swap(text_);
  text_.push_back('{');
  size_ = 0;
  return out;
}

}  // namespace blog

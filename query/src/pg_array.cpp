#include "pg_array.hpp"

namespace blog::query {

void PgArray::Separate() {
  if (size_++ > 0) text_ += ',';
}

void PgArray::Add(std::string_view text) {
  Separate();
  text_ += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void PgArray::Add(std::int64_t value) {
  Separate();
  text_ += std::to_string(value);
}

std::string PgArray::Take() {
  text_ += '}';
  std::string out;
  out.swap(text_);
  text_.push_back('{');
  size_ = 0;
  return out;
}

}  // namespace blog::query

// What the fuzz targets assert beyond "no crash": small checks that abort with a message, so
// that libFuzzer saves the input as a crash artifact.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <pthread.h>

namespace blog::fuzz {

// Aborts (a libFuzzer "deadly signal") after printing `what` and the offending `detail`.
[[noreturn]] inline void Violation(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n==== contract violated: %.*s\n     %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size() > 400 ? 400 : detail.size()),
               detail.data());
  std::abort();
}

// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values past
// U+10FFFF), which is what PostgreSQL and every JSON reader require.
inline bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, min = 0x10000, cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Runs `work` on a thread with a 512 KiB stack and waits for it. Parsing a request or an event
// within its size limit must fit: recursion as deep as the input is long (JSON nesting) would
// overflow it, and AddressSanitizer reports the stack overflow.
template <typename Work>
void OnSmallStack(Work& work) {
  constexpr std::size_t kStackBytes = 512 * 1024;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackBytes);
  pthread_t thread;
  const auto run = [](void* arg) -> void* {
    (*static_cast<Work*>(arg))();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, run, &work) != 0) Violation("cannot start a thread");
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace blog::fuzz

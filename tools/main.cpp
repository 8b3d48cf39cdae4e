// blogctl: see src/blogctl.hpp and `blogctl --help`.
#include <csignal>
#include <iostream>

#include "src/blogctl.hpp"

namespace {

volatile std::sig_atomic_t interrupted = 0;

void OnInterrupt(int /*signal*/) { interrupted = 1; }

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return blog::ctl::RunBlogctl(args, std::cout, std::cerr, [] { return interrupted != 0; });
}

// blogctl: the operator's command line for the blog's events. RunBlogctl is the whole program
// (main() only forwards argv), so tests drive it in-process.
//
// Exit codes: 0 success, 1 failure (server unreachable, not found, refused), 2 usage error.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace blog::ctl {

// Runs one command; `args` excludes the program name. `interrupted` is polled by commands that
// wait (events tail --follow); by default nothing interrupts them.
int RunBlogctl(
    const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
    const std::function<bool()>& interrupted = [] { return false; });

}  // namespace blog::ctl

// blog-bench: load and measurement tools for bench/run. Every command prints RESULT lines.
//
//   blog-bench e2e --posts-port P --comments-port C --query-db CONNINFO --samples N
//                  [--bg-rate R] [--label L] [--max-seconds S] [--samples-out FILE]
//                  [--host-header H]   (through an ingress: both ports are its port)
//   blog-bench breakdown --nats URL --samples FILE
//   blog-bench write --posts-port P --comments-port C --rate R [--threads T] [--ids-out FILE]
//   blog-bench seed --posts-port P --comments-port C --posts N --comments K [--out FILE]
//   blog-bench publish --nats URL --events N
//   blog-bench consume --nats URL [--stream BLOG]
//   blog-bench purge   --nats URL
//   blog-bench backlog --nats URL
//   blog-bench hop     --nats URL --pg CONNINFO --samples N
#include <cstdio>
#include <exception>
#include <map>
#include <string>

namespace bench {
int RunE2e(const std::map<std::string, std::string>& args);
int RunSeed(const std::map<std::string, std::string>& args);
int RunWrite(const std::map<std::string, std::string>& args);
int RunBreakdown(const std::map<std::string, std::string>& args);
int RunJetStream(const std::string& command, const std::map<std::string, std::string>& args);
}  // namespace bench

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: blog-bench e2e|seed|write|breakdown|publish|consume|purge|backlog|hop --key value ...\n");
    return 2;
  }
  const std::string command = argv[1];
  std::map<std::string, std::string> args;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) == 0) key = key.substr(2);
    args[key] = argv[i + 1];
  }
  try {
    if (command == "e2e") return bench::RunE2e(args);
    if (command == "seed") return bench::RunSeed(args);
    if (command == "write") return bench::RunWrite(args);
    if (command == "breakdown") return bench::RunBreakdown(args);
    return bench::RunJetStream(command, args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "blog-bench %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}

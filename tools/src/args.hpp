// Command-line arguments of one blogctl command: options ("--name value", "--name=value",
// "--flag") and positional words, checked against what the command accepts. Any mistake throws
// UsageError, which blogctl reports with the command's usage and exit code 2.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace blog::ctl {

class UsageError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;   // without the dashes: "from"
  std::string value;  // placeholder of its value ("SEQ|TIME"), empty for a flag
  std::string help;
};

class Args {
 public:
  // Parses `words` (what follows the command's name). "--json" and "--help"/"-h" are accepted
  // by every command. Throws UsageError for an unknown option or a missing value.
  Args(const std::vector<std::string>& words, const std::vector<OptionSpec>& options);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Value(const std::string& name) const;
  // The option's value as an integer in [min, max]; `fallback` when absent.
  std::int64_t Int(const std::string& name, std::int64_t fallback, std::int64_t min,
                   std::int64_t max) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool json() const { return Has("json"); }
  bool help() const { return Has("help"); }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positionals_;
};

// Parses a whole decimal number in [min, max]; throws UsageError naming `what` otherwise.
std::int64_t ParseInt(const std::string& text, const std::string& what, std::int64_t min,
                      std::int64_t max);

}  // namespace blog::ctl

// The phases of a failover run (baseline, one per fault, final), as the suite's driver
// announces them in a file, and what the load generator saw in each: attempts, retries,
// answers by status, and when writes succeeded. Thread-safe.
//
// The phase file holds lines "phase NAME" (a new phase starts now) and "converged NAME SECONDS"
// (how long the topology took to be whole again after that phase's fault).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace blog::loadgen {

struct PhaseStats {
  std::string name;
  double start_ms = 0;       // steady clock
  long writes = 0;           // writes first sent in this phase
  long attempts = 0;         // requests whose answer (or failure) came in this phase
  long retries = 0;          // of those, the ones that repeated a write
  std::map<int, long> answers;     // status -> count; 0 = no answer (connection, timeout)
  std::vector<double> successes;   // when 201s arrived (steady ms)
  std::vector<std::string> errors; // bodies of 500s, at most a few
  std::string converge;            // seconds, from the driver
};

class Phases {
 public:
  explicit Phases(std::string file);

  // Reads the file again if it changed; a new "phase" line starts a phase.
  void Poll();
  // Starts phase `name` now (the generator's own phases: drain).
  void Begin(const std::string& name);
  int Current();
  void Sent();  // a write is sent for the first time
  void Answered(int status, bool retry, const std::string& body);
  // Ends the last phase now and prints the table (and a JSON copy to `json_out` if not empty).
  // Returns the number of 500 answers.
  long Report(const std::string& json_out);

 private:
  void Start(const std::string& name);  // caller holds mutex_

  std::string file_;
  std::size_t read_ = 0;
  std::mutex mutex_;
  std::vector<PhaseStats> phases_;
  std::map<std::string, std::string> converged_;
};

}  // namespace blog::loadgen

// The writes of the failover suite's load generator: posts and comments sent through the
// ingress, each with its own Idempotency-Key, retried with the same key until the answer is a
// 201 or a 4xx other than 409 (which says that the first attempt is still in progress). Every attempt is recorded with the phase (fault) it happened in.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "phases.hpp"

namespace blog::loadgen {

struct Write {
  std::string key;      // Idempotency-Key; also inside the title or content, to find it later
  bool is_post = false;
  std::string post_id;  // a comment's post
  std::string text;     // title or content
  bool banned = false;  // the content holds a banned word: it must end "rejected"
  int final_status = 0;  // 201 or a 4xx once answered; 0 while unfinished
  std::string answer;    // the final answer's body
  int attempts = 0;
};

struct Target {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string host_header;  // the Ingress rule's host (posts.com)
  int timeout_ms = 5000;    // an attempt without an answer by then is retried
};

// Sends writes from a pool of connections. Thread-safe.
class Writer {
 public:
  Writer(Target target, int connections, Phases& phases);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a write; it is sent by the next free connection and retried until final.
  Write& Submit(Write write);
  // Waits until every submitted write is final, or `seconds` have passed; true when all are.
  bool Drain(double seconds);
  // Every write submitted so far (stable references).
  const std::deque<Write>& Writes() const { return writes_; }
  std::size_t Queued();

 private:
  void Work();
  void Send(Write& write, bench::HttpClient& client);

  Target target_;
  Phases& phases_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable done_;
  std::deque<Write> writes_;
  std::deque<Write*> queue_;
  std::size_t unfinished_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

std::string NewKey();  // a random UUID (version 4)

}  // namespace blog::loadgen

#include "writes.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace blog::loadgen {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

std::string Json(const std::string& key, const std::string& value) {
  return "{\"" + key + "\":\"" + value + "\"}";  // values are generated: nothing to escape
}

}  // namespace

std::string NewKey() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const std::uint64_t a = random(), b = random();
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

Writer::Writer(Target target, int connections, Phases& phases)
    : target_(std::move(target)), phases_(phases) {
  for (int i = 0; i < connections; ++i) workers_.emplace_back([this] { Work(); });
}

Writer::~Writer() {
  stopping_ = true;
  ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

Write& Writer::Submit(Write write) {
  std::lock_guard lock(mutex_);
  Write& stored = writes_.emplace_back(std::move(write));
  queue_.push_back(&stored);
  ++unfinished_;
  ready_.notify_one();
  return stored;
}

std::size_t Writer::Queued() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool Writer::Drain(double seconds) {
  std::unique_lock lock(mutex_);
  return done_.wait_for(lock, std::chrono::duration<double>(seconds),
                        [&] { return unfinished_ == 0; });
}

void Writer::Work() {
  bench::HttpClient client(target_.host, target_.port, target_.host_header, target_.timeout_ms);
  for (;;) {
    Write* write = nullptr;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      write = queue_.front();
      queue_.pop_front();
    }
    Send(*write, client);
    std::lock_guard lock(mutex_);
    if (--unfinished_ == 0) done_.notify_all();
  }
}

// One write until it is final: the same key every time, so that the service applies it once
// however many attempts reach it.
void Writer::Send(Write& write, bench::HttpClient& client) {
  const std::string path = write.is_post ? "/posts/create" : "/posts/" + write.post_id + "/comments";
  const std::string body = Json(write.is_post ? "title" : "content", write.text);
  const bench::HttpHeaders headers{{"Idempotency-Key", write.key}};
  auto backoff = kFirstBackoff;
  thread_local std::mt19937 jitter{std::random_device{}()};
  phases_.Sent();
  while (!stopping_) {
    const auto reply = client.RequestOnce("POST", path, body, headers);
    phases_.Answered(reply.status, write.attempts > 0, reply.body);
    ++write.attempts;
    // 409: a repeat of a write still in progress under this key (the first attempt is still
    // being handled, e.g. waiting for a commit): retry it later, as its Retry-After says.
    if (reply.status == 201 || (reply.status >= 400 && reply.status < 500 && reply.status != 409)) {
      write.final_status = reply.status;
      write.answer = reply.body;
      return;
    }
    // No answer, a 5xx or a 409: the write may or may not have been applied; the key makes a
    // retry safe. Back off a little (with jitter, so that retries do not arrive in waves).
    std::uniform_int_distribution<int> spread(0, static_cast<int>(backoff.count() / 2));
    std::this_thread::sleep_for(backoff + std::chrono::milliseconds(spread(jitter)));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace blog::loadgen

// The read cache's rules (read_cache.hpp): nothing kept while inactive, nothing stale kept after
// a change it overlaps, answers a change does not touch kept, least recently used answers
// dropped first, concurrent misses of a key sharing one read.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "read_cache.hpp"

using blog::query::CachedRead;
using blog::query::ReadCache;
using blog::query::ReadModelChange;
using blog::query::ReadScope;

namespace {

const std::string kPostA = "0a000000-0000-4000-8000-00000000000a";
const std::string kPostB = "0b000000-0000-4000-8000-00000000000b";

std::shared_ptr<const CachedRead> Answer(const std::string& body, ReadScope scope = {}) {
  return std::make_shared<const CachedRead>(CachedRead{body, "\"1\"", "", std::move(scope)});
}

// A post's answer, and a page of the listing over positions [oldest, before).
std::shared_ptr<const CachedRead> PostAnswer(const std::string& id, const std::string& body) {
  return Answer(body, ReadScope::Post(id));
}
std::shared_ptr<const CachedRead> PageAnswer(std::int64_t oldest, std::int64_t before,
                                             const std::string& body) {
  return Answer(body, ReadScope::Listing(oldest, before));
}

std::string BodyOf(ReadCache& cache, const std::string& key) {
  const auto found = cache.Find(key);
  return found ? found->body : "(none)";
}

// A commit that touched `id`, listed at `position` (none: not listed).
ReadModelChange Touching(const std::string& id, std::optional<std::int64_t> position) {
  ReadModelChange change;
  change.post_ids.push_back(id);
  if (position) change.positions.push_back(*position);
  return change;
}

void Put(ReadCache& cache, const std::string& key, std::shared_ptr<const CachedRead> value) {
  const auto read = cache.Begin();
  cache.Store(key, std::move(value), read);
}

}  // namespace

TEST_CASE("an inactive read cache keeps nothing", "[query][cache]") {
  ReadCache cache(1 << 20);
  Put(cache, "a", Answer("A"));
  CHECK(BodyOf(cache, "a") == "(none)");
  cache.SetActive(true);
  Put(cache, "a", Answer("A"));
  CHECK(BodyOf(cache, "a") == "A");
  cache.SetActive(false);
  CHECK(BodyOf(cache, "a") == "(none)");
}

TEST_CASE("a cached answer is served until the read model changes", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  Put(cache, "a", Answer("A"));
  Put(cache, "b", Answer("B"));
  CHECK(BodyOf(cache, "a") == "A");
  CHECK(BodyOf(cache, "b") == "B");
  cache.InvalidateAll();
  CHECK(BodyOf(cache, "a") == "(none)");
  CHECK(BodyOf(cache, "b") == "(none)");
  const auto stats = cache.Snapshot();
  CHECK(stats.hits == 2);
  CHECK(stats.misses == 2);
  CHECK(stats.invalidations == 1);
  CHECK(stats.evictions == 2);
  CHECK(stats.entries == 0);
  CHECK(stats.bytes == 0);
}

TEST_CASE("an answer read before a change is not kept after the change", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  {
    const auto before_change = cache.Begin();  // a reader starts its query
    cache.InvalidateAll();                     // a commit is signalled meanwhile
    cache.Store("a", Answer("old"), before_change);
    CHECK(BodyOf(cache, "a") == "(none)");
  }
  {
    // Losing the watch counts as a change too, and so does winning it back.
    const auto before_loss = cache.Begin();
    cache.SetActive(false);
    cache.SetActive(true);
    cache.Store("a", Answer("old"), before_loss);
    CHECK(BodyOf(cache, "a") == "(none)");
  }
  Put(cache, "a", Answer("new"));
  CHECK(BodyOf(cache, "a") == "new");
}

TEST_CASE("a change to one post leaves another post's cached answer in place", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  Put(cache, kPostA, PostAnswer(kPostA, "A"));
  Put(cache, kPostB, PostAnswer(kPostB, "B"));
  cache.Invalidate(Touching(kPostA, 7));
  CHECK(BodyOf(cache, kPostA) == "(none)");
  CHECK(BodyOf(cache, kPostB) == "B");
  CHECK(cache.Snapshot().evictions == 1);
}

TEST_CASE("a new post evicts the first listing page and not the pages after it",
          "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  // The newest page holds positions 20..29, the next one 10..19.
  Put(cache, "list first", PageAnswer(20, INT64_MAX, "first"));
  Put(cache, "list second", PageAnswer(10, 20, "second"));
  Put(cache, kPostA, PostAnswer(kPostA, "A"));
  cache.Invalidate(Touching(kPostB, 30));  // a post created after all of them
  CHECK(BodyOf(cache, "list first") == "(none)");
  CHECK(BodyOf(cache, "list second") == "second");
  CHECK(BodyOf(cache, kPostA) == "A");
  // A page that reaches the end of the listing changes with any post added before its cursor.
  Put(cache, "list last", PageAnswer(ReadScope::kFirstPosition, 10, "last"));
  cache.Invalidate(Touching(kPostB, -5));
  CHECK(BodyOf(cache, "list last") == "(none)");
  CHECK(BodyOf(cache, "list second") == "second");
}

TEST_CASE("a comment on a post evicts the listing pages that contain it", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  Put(cache, "list first", PageAnswer(20, INT64_MAX, "first"));
  Put(cache, "list second", PageAnswer(10, 20, "second"));
  Put(cache, "list 25 100", PageAnswer(5, 25, "overlapping"));
  Put(cache, kPostA, PostAnswer(kPostA, "A"));
  cache.Invalidate(Touching(kPostA, 12));  // post A sits at position 12
  CHECK(BodyOf(cache, kPostA) == "(none)");
  CHECK(BodyOf(cache, "list second") == "(none)");
  CHECK(BodyOf(cache, "list 25 100") == "(none)");
  CHECK(BodyOf(cache, "list first") == "first");
  // A post that is not listed (a placeholder) touches no page.
  Put(cache, "list second", PageAnswer(10, 20, "second"));
  cache.Invalidate(Touching(kPostB, std::nullopt));
  CHECK(BodyOf(cache, "list second") == "second");
}

TEST_CASE("a read that overlaps a change to its own key is refused, another key's is kept",
          "[query][cache]") {
  // The interleaving a cache that only evicts what it holds gets wrong: the reads of A and B
  // begin, post A changes while neither answer is cached yet (nothing to evict), then both
  // answers arrive. A's predates the change and must not be kept, or it would be served stale
  // until A changes again; B's is unaffected and is kept.
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  auto read_a = cache.Begin();
  auto read_b = cache.Begin();
  cache.Invalidate(Touching(kPostA, 12));
  cache.Store(kPostA, PostAnswer(kPostA, "A before the change"), read_a);
  cache.Store(kPostB, PostAnswer(kPostB, "B"), read_b);
  CHECK(BodyOf(cache, kPostA) == "(none)");
  CHECK(BodyOf(cache, kPostB) == "B");
  // The same for a page: the change falls in the range the stale page covers.
  auto read_page = cache.Begin();
  auto read_other_page = cache.Begin();
  cache.Invalidate(Touching(kPostB, 31));
  cache.Store("list first", PageAnswer(20, INT64_MAX, "first, stale"), read_page);
  cache.Store("list second", PageAnswer(10, 20, "second"), read_other_page);
  CHECK(BodyOf(cache, "list first") == "(none)");
  CHECK(BodyOf(cache, "list second") == "second");
  // A read begun after the change is kept.
  Put(cache, kPostA, PostAnswer(kPostA, "A after the change"));
  CHECK(BodyOf(cache, kPostA) == "A after the change");
}

TEST_CASE("a full read cache drops the least recently used answers first", "[query][cache]") {
  const std::string body(1000, 'x');
  ReadCache cache(3 * 1300);  // room for three such answers with their overhead
  cache.SetActive(true);
  for (const char* key : {"a", "b", "c"}) Put(cache, key, Answer(body));
  CHECK(cache.Snapshot().entries == 3);
  CHECK(BodyOf(cache, "a") == body);  // "b" is now the least recently used
  Put(cache, "d", Answer(body));
  CHECK(BodyOf(cache, "b") == "(none)");
  CHECK(BodyOf(cache, "a") == body);
  CHECK(BodyOf(cache, "c") == body);
  CHECK(BodyOf(cache, "d") == body);
  CHECK(cache.Snapshot().bytes <= 3 * 1300);
  // Storing a key again replaces its answer.
  Put(cache, "a", Answer("short"));
  CHECK(BodyOf(cache, "a") == "short");
  CHECK(cache.Snapshot().entries == 3);
}

TEST_CASE("an answer larger than the whole read cache is not kept", "[query][cache]") {
  ReadCache cache(4096);
  cache.SetActive(true);
  Put(cache, "small", Answer("s"));
  Put(cache, "big", Answer(std::string(8192, 'x')));
  CHECK(BodyOf(cache, "big") == "(none)");
  CHECK(BodyOf(cache, "small") == "s");
  ReadCache off(0);
  off.SetActive(true);
  Put(off, "small", Answer("s"));
  CHECK(BodyOf(off, "small") == "(none)");
}

namespace {

// A database read that waits until released, so that tests can line requests up behind it.
class HeldRead {
 public:
  explicit HeldRead(std::string body) : body_(std::move(body)) {}
  CachedRead operator()() {
    ++reads_;
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return released_flag_; });
    return {body_, "\"1\"", "", ReadScope::Post(kPostA)};
  }
  void Release() {
    {
      const std::lock_guard lock(mutex_);
      released_flag_ = true;
    }
    released_.notify_all();
  }
  int Reads() const { return reads_; }

 private:
  std::string body_;
  std::atomic<int> reads_{0};
  std::mutex mutex_;
  std::condition_variable released_;
  bool released_flag_ = false;
};

bool Within(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

TEST_CASE("concurrent misses of one key share one database read", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  HeldRead read("A");
  std::string first, second;
  std::thread leader([&] { first = cache.FindOrRead(kPostA, std::ref(read))->body; });
  REQUIRE(Within([&] { return read.Reads() == 1; }));
  std::thread follower([&] { second = cache.FindOrRead(kPostA, std::ref(read))->body; });
  REQUIRE(Within([&] { return cache.Snapshot().waiting == 1; }));
  read.Release();
  leader.join();
  follower.join();
  CHECK(first == "A");
  CHECK(second == "A");
  CHECK(read.Reads() == 1);
  CHECK(cache.Snapshot().shared == 1);
  CHECK(BodyOf(cache, kPostA) == "A");
}

TEST_CASE("a request does not take a read begun before a change it must see", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  HeldRead stale("A before the change");
  std::thread leader([&] { cache.FindOrRead(kPostA, std::ref(stale)); });
  REQUIRE(Within([&] { return stale.Reads() == 1; }));
  cache.Invalidate(Touching(kPostA, 3));  // committed and signalled while the read is under way
  // A request arriving now must see the change: it may not take the read begun before it.
  std::string seen;
  std::thread late([&] {
    seen = cache.FindOrRead(kPostA, [] {
      return CachedRead{"A after the change", "\"2\"", "", ReadScope::Post(kPostA)};
    })->body;
  });
  REQUIRE(Within([&] { return cache.Snapshot().waiting == 1; }));
  stale.Release();
  leader.join();
  late.join();
  CHECK(seen == "A after the change");
  CHECK(BodyOf(cache, kPostA) == "A after the change");
  CHECK(cache.Snapshot().shared == 0);
}

TEST_CASE("a change notice names the posts a commit touched, or everything", "[query][cache]") {
  const auto change = blog::query::ParseChangeNotice(kPostA + " 12," + kPostB + " ");
  CHECK_FALSE(change.everything);
  CHECK(change.post_ids == std::vector<std::string>{kPostA, kPostB});
  CHECK(change.positions == std::vector<std::int64_t>{12});
  CHECK(blog::query::ParseChangeNotice(kPostA + " -3").positions ==
        std::vector<std::int64_t>{-3});
  // "*", the empty notice of older triggers and anything unreadable mean everything.
  for (const std::string& notice : {std::string("*"), std::string(), std::string("garbage"),
                                   kPostA + " 12x", kPostA + " 1,",
                                   std::string("0A000000-0000-4000-8000-00000000000A 1")}) {
    INFO(notice);
    CHECK(blog::query::ParseChangeNotice(notice).everything);
  }
}

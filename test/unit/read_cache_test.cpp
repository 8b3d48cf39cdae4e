// The read cache's rules (read_cache.hpp): nothing kept while inactive, nothing stale kept after
// an invalidation, least recently used answers dropped first.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "read_cache.hpp"

using blog::query::CachedRead;
using blog::query::ReadCache;

namespace {

std::shared_ptr<const CachedRead> Answer(const std::string& body) {
  return std::make_shared<const CachedRead>(CachedRead{body, "\"1\"", ""});
}

std::string BodyOf(ReadCache& cache, const std::string& key) {
  const auto found = cache.Find(key);
  return found ? found->body : "(none)";
}

}  // namespace

TEST_CASE("an inactive read cache keeps nothing", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.Store("a", Answer("A"), cache.Generation());
  CHECK(BodyOf(cache, "a") == "(none)");
  cache.SetActive(true);
  cache.Store("a", Answer("A"), cache.Generation());
  CHECK(BodyOf(cache, "a") == "A");
  cache.SetActive(false);
  CHECK(BodyOf(cache, "a") == "(none)");
}

TEST_CASE("a cached answer is served until the read model changes", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  cache.Store("a", Answer("A"), cache.Generation());
  cache.Store("b", Answer("B"), cache.Generation());
  CHECK(BodyOf(cache, "a") == "A");
  CHECK(BodyOf(cache, "b") == "B");
  cache.Invalidate();
  CHECK(BodyOf(cache, "a") == "(none)");
  CHECK(BodyOf(cache, "b") == "(none)");
  const auto stats = cache.Snapshot();
  CHECK(stats.hits == 2);
  CHECK(stats.misses == 2);
  CHECK(stats.invalidations == 1);
  CHECK(stats.entries == 0);
  CHECK(stats.bytes == 0);
}

TEST_CASE("an answer read before a change is not kept after the change", "[query][cache]") {
  ReadCache cache(1 << 20);
  cache.SetActive(true);
  const auto before_change = cache.Generation();  // a reader starts its query
  cache.Invalidate();                             // a commit is signalled meanwhile
  cache.Store("a", Answer("old"), before_change);
  CHECK(BodyOf(cache, "a") == "(none)");
  // Losing the watch counts as a change too, and so does winning it back.
  const auto before_loss = cache.Generation();
  cache.SetActive(false);
  cache.SetActive(true);
  cache.Store("a", Answer("old"), before_loss);
  CHECK(BodyOf(cache, "a") == "(none)");
  cache.Store("a", Answer("new"), cache.Generation());
  CHECK(BodyOf(cache, "a") == "new");
}

TEST_CASE("a full read cache drops the least recently used answers first", "[query][cache]") {
  const std::string body(1000, 'x');
  ReadCache cache(3 * 1300);  // room for three such answers with their overhead
  cache.SetActive(true);
  for (const char* key : {"a", "b", "c"}) cache.Store(key, Answer(body), cache.Generation());
  CHECK(cache.Snapshot().entries == 3);
  CHECK(BodyOf(cache, "a") == body);  // "b" is now the least recently used
  cache.Store("d", Answer(body), cache.Generation());
  CHECK(BodyOf(cache, "b") == "(none)");
  CHECK(BodyOf(cache, "a") == body);
  CHECK(BodyOf(cache, "c") == body);
  CHECK(BodyOf(cache, "d") == body);
  CHECK(cache.Snapshot().bytes <= 3 * 1300);
  // Storing a key again replaces its answer.
  cache.Store("a", Answer("short"), cache.Generation());
  CHECK(BodyOf(cache, "a") == "short");
  CHECK(cache.Snapshot().entries == 3);
}

TEST_CASE("an answer larger than the whole read cache is not kept", "[query][cache]") {
  ReadCache cache(4096);
  cache.SetActive(true);
  cache.Store("small", Answer("s"), cache.Generation());
  cache.Store("big", Answer(std::string(8192, 'x')), cache.Generation());
  CHECK(BodyOf(cache, "big") == "(none)");
  CHECK(BodyOf(cache, "small") == "s");
  ReadCache off(0);
  off.SetActive(true);
  off.Store("small", Answer("s"), off.Generation());
  CHECK(BodyOf(off, "small") == "(none)");
}

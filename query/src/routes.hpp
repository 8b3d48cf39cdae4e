// The query service's HTTP routes: GET /posts and GET /posts/{id}, answered from the read
// cache (read_cache.hpp) when it holds the answer, else read from the stored documents
// (post_reads.hpp); pollers that send the ETag back get 304 without a body.
#pragma once

#include <cstddef>

#include "common/service.hpp"

namespace blog::query {

// Adds the routes, a read cache of `cache_bytes` (0: none) kept current by a ChangeWatch, and
// the cache's metrics. The routes read on `read_pool` connections of their own, apart from the
// listeners': a PostgreSQL with more busy backends than cores leaves each waiting for a CPU,
// and the requests with them (bench/README.md, the cache-off tail), so reads queue here instead.
void AddRoutes(Service& service, std::size_t cache_bytes, int read_pool);

}  // namespace blog::query

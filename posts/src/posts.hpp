// The posts service: owns posts and announces each new one with PostCreated.
#pragma once

#include <vector>

#include "common/database.hpp"
#include "common/service.hpp"

namespace blog::posts {

inline constexpr int kDefaultPort = 4000;
inline constexpr std::size_t kMaxTitleChars = 200;

const std::vector<Migration>& Migrations();

// Adds POST /posts, POST /posts/create (both taking an Idempotency-Key), GET /posts and
// GET /posts/{id}.
void AddRoutes(Service& service);

}  // namespace blog::posts

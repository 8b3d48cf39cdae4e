// Idempotent writes: the Idempotency-Key request header (IETF httpapi draft "The
// Idempotency-Key HTTP Header Field"), so that a client or a proxy may retry a POST whose answer
// was lost without creating twice.
//
// A route wrapped by Idempotency::Wrap behaves as before for a request without the header. With
// it, the route's writes (Database::ExecWithEvent, Database::Transact) and its 2xx answer
// (status, content type, headers, body) are committed in one transaction, under the key and a
// SHA-256 of method, path and body. Then, while the key lives (`ttl` from its first use):
//   - the same request again gets the stored answer, byte for byte, with the header
//     `Idempotent-Replayed: true`, and changes nothing;
//   - another request (method, path or body differ) under the key gets 422;
//   - a repeat that arrives while the first is still being handled by this process gets 409
//     with Retry-After (retry it); one that reaches another replica waits for the first to
//     commit and then gets its answer. Either way exactly one of them is applied;
//   - a malformed key gets 400.
// Answers other than 2xx are not stored: the request may be retried under the same key. An
// expired key is free again; expired keys are deleted a few at a time by later keyed writes.
// Errors use the error body of http.hpp with field "idempotency-key". Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/database.hpp"
#include "common/http.hpp"
#include "common/router.hpp"

namespace blog {

inline constexpr std::size_t kMaxIdempotencyKeyChars = 255;

// The key of `request`'s Idempotency-Key header; nullopt when there is none. The value is a
// Structured Field String (RFC 8941: `"…"`, printable ASCII, `\"` and `\\` escapes) or, as
// many clients send it, a bare run of token characters; 1 to kMaxIdempotencyKeyChars
// characters. Anything else throws ValidationError (400).
std::optional<std::string> IdempotencyKeyOf(const HttpRequest& request);

// Hex SHA-256 of the request's method, path and body: what a repeat must match.
std::string RequestFingerprint(const HttpRequest& request);

class Idempotency {
 public:
  Idempotency(Database& db, std::chrono::milliseconds ttl);

  // `handler` with the behaviour above. The returned handler refers to this object.
  HttpHandler Wrap(HttpHandler handler);

  // Runs `handler` for `request` with the behaviour above.
  HttpResponse Handle(const HttpRequest& request, const HttpHandler& handler);

 private:
  class InFlight;
  HttpResponse HandleKeyed(const HttpRequest& request, const HttpHandler& handler,
                           const std::string& key);

  Database& db_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> in_flight_;  // keys being handled by this process
};

}  // namespace blog

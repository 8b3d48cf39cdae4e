#include "common/idempotency.hpp"

#include <exception>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "common/metrics.hpp"

#include "held_transaction.hpp"
#include "statements.hpp"
#include <openssl/evp.h>

namespace blog {
namespace {

constexpr const char* kField = "idempotency-key";

[[noreturn]] void Malformed(const std::string& why) {
  throw ValidationError("Idempotency-Key " + why + "; send a quoted string of 1 to " +
                            std::to_string(kMaxIdempotencyKeyChars) +
                            " printable ASCII characters, e.g. \"8e03978e-40d5-43e8-bc93-"
                            "6894a57f9324\"",
                        kField);
}

// RFC 8941 sf-token characters after the first: RFC 9110 tchar, ':' and '/'.
bool IsTokenChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~:/").find(c) != std::string_view::npos;
}

// The sf-string starting at `value[0]` (a '"'), unescaped; nothing may follow it.
std::string UnquoteString(std::string_view value) {
  std::string key;
  std::size_t i = 1;
  for (; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') break;
    if (c == '\\') {
      if (i + 1 == value.size() || (value[i + 1] != '"' && value[i + 1] != '\\')) {
        Malformed("has an invalid escape (only \\\" and \\\\ are allowed)");
      }
      key.push_back(value[++i]);
    } else if (c < 0x20 || c > 0x7e) {
      Malformed("may hold printable ASCII only");
    } else {
      key.push_back(c);
    }
  }
  if (i == value.size()) Malformed("has no closing quote");
  if (i + 1 != value.size()) Malformed("must be one string, without parameters or a list");
  return key;
}

struct StoredAnswer {
  std::string request_hash;
  HttpResponse response;
};

std::string EncodeHeaders(const HttpResponse& response) {
  std::string text;
  for (const auto& [name, value] : response.headers) text += name + ": " + value + "\n";
  return text;
}

std::vector<std::pair<std::string, std::string>> DecodeHeaders(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> headers;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    const auto colon = line.find(": ");
    if (colon != std::string_view::npos) {
      headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 2)));
    }
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return headers;
}

// The answer stored under a key, from the rows of statement::kIdempotencyLookup.
std::optional<StoredAnswer> StoredAnswerOf(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  const Row row = rows[0];
  StoredAnswer stored;
  stored.request_hash = row.Get<std::string>("request_hash");
  stored.response.status = row.Get<int>("status");
  stored.response.content_type = row.Get<std::string>("content_type");
  stored.response.headers = DecodeHeaders(row.Get<std::string_view>("headers"));
  stored.response.body = row.Get<std::string>("body");
  return stored;
}

std::optional<StoredAnswer> Lookup(SqlSession& session, const std::string& key) {
  const SqlParam params[] = {key};
  return StoredAnswerOf(session.Exec(statement::kIdempotencyLookup, params));
}

bool Store(SqlSession& session, const std::string& key, const std::string& hash,
           const HttpResponse& response, std::chrono::milliseconds ttl) {
  const std::string headers = EncodeHeaders(response);
  const SqlParam params[] = {key,
                             hash,
                             response.status,
                             response.content_type,
                             headers,
                             response.body,
                             static_cast<std::int64_t>(ttl.count())};
  return !session.Exec(statement::kIdempotencyStore, params).empty();
}

void Count(const char* outcome) {
  Metrics::Global().Increment("blog_idempotency_requests_total", {{"outcome", outcome}});
}

// The answer to a request whose key already holds `stored`.
HttpResponse Answer(StoredAnswer stored, const std::string& hash) {
  if (stored.request_hash != hash) {
    Count("mismatch");
    return ErrorResponse(422,
                         "Idempotency-Key was already used for another request (method, path or "
                         "body differ); use a new key for a new request",
                         kField);
  }
  Count("replayed");
  stored.response.headers.emplace_back("Idempotent-Replayed", "true");
  return std::move(stored.response);
}

}  // namespace

std::optional<std::string> IdempotencyKeyOf(const HttpRequest& request) {
  const auto header = request.Header("idempotency-key");
  if (!header) return std::nullopt;
  std::string_view value = *header;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string key;
  if (!value.empty() && value.front() == '"') {
    key = UnquoteString(value);
  } else {
    for (const char c : value) {
      if (!IsTokenChar(c)) Malformed("is neither a quoted string nor a token");
    }
    key = value;
  }
  if (key.empty()) Malformed("must not be empty");
  if (key.size() > kMaxIdempotencyKeyChars) {
    Malformed("is longer than " + std::to_string(kMaxIdempotencyKeyChars) + " characters");
  }
  return key;
}

std::string RequestFingerprint(const HttpRequest& request) {
  // Method and path hold no control characters (the server refuses them), so the newlines
  // separate the three parts unambiguously.
  const std::string head = request.method + "\n" + request.path + "\n";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool ok = context != nullptr && EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(context, head.data(), head.size()) == 1 &&
                  EVP_DigestUpdate(context, request.body.data(), request.body.size()) == 1 &&
                  EVP_DigestFinal_ex(context, digest, &size) == 1;
  EVP_MD_CTX_free(context);
  if (!ok) throw Error("SHA-256 of the request failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

// Marks a key as being handled by this process for as long as it lives.
class Idempotency::InFlight {
 public:
  InFlight(Idempotency& owner, std::string key) : owner_(owner), key_(std::move(key)) {
    const std::lock_guard lock(owner_.mutex_);
    owned_ = owner_.in_flight_.insert(key_).second;
  }
  ~InFlight() {
    if (!owned_) return;
    const std::lock_guard lock(owner_.mutex_);
    owner_.in_flight_.erase(key_);
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  InFlight(InFlight&&) = delete;
  InFlight& operator=(InFlight&&) = delete;
  bool owned() const { return owned_; }

 private:
  Idempotency& owner_;
  std::string key_;
  bool owned_ = false;
};

Idempotency::Idempotency(Database& db, std::chrono::milliseconds ttl) : db_(db), ttl_(ttl) {}

HttpHandler Idempotency::Wrap(HttpHandler handler) {
  return [this, handler = std::move(handler)](const HttpRequest& request) {
    return Handle(request, handler);
  };
}

HttpResponse Idempotency::Handle(const HttpRequest& request, const HttpHandler& handler) {
  const auto key = IdempotencyKeyOf(request);
  if (!key) return handler(request);
  const InFlight in_flight(*this, *key);
  if (!in_flight.owned()) {
    Count("in_progress");
    auto response = ErrorResponse(
        409, "a request with this Idempotency-Key is still in progress; retry it later", kField);
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  return HandleKeyed(request, handler, *key);
}

HttpResponse Idempotency::HandleKeyed(const HttpRequest& request, const HttpHandler& handler,
                                      const std::string& key) {
  const std::string hash = RequestFingerprint(request);
  HeldTransaction held(db_);
  HttpResponse response;
  std::exception_ptr failure;
  try {
    response = handler(request);
  } catch (const UnavailableError&) {
    throw;  // the database is away: nothing to look up either (the held transaction rolls back)
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure || response.status < 200 || response.status > 299) {
    // Not stored. But a key already used answers as the draft says: its answer, or 422.
    held.Abort();
    std::optional<StoredAnswer> stored;
    try {
      stored = StoredAnswerOf(db_.Read(statement::kIdempotencyLookup, key));
    } catch (const std::exception&) {  // the handler's own answer stands
    }
    if (stored) return Answer(std::move(*stored), hash);
    if (failure) std::rethrow_exception(failure);
    return response;
  }
  // Two tries: a key that another request holds may expire between the two statements.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (Store(held.Session(), key, hash, response, ttl_)) {
      held.Commit();
      Count("stored");
      return response;
    }
    // Another request under this key committed first (here, or at another replica, which this
    // statement waited for): its answer is the answer, and this change is rolled back.
    if (auto stored = Lookup(held.Session(), key)) {
      held.Abort();
      return Answer(std::move(*stored), hash);
    }
  }
  throw UnavailableError("the answer under an Idempotency-Key could neither be stored nor read");
}

}  // namespace blog

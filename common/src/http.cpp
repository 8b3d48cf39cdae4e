#include "common/http.hpp"

#include <exception>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/log.hpp"

namespace blog {

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::Query(std::string_view name) const {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string ErrorBody(std::string_view message, std::string_view field) {
  // Messages may quote what the client sent (a path, an id): keep the body valid UTF-8.
  JsonWriter w;
  w.StartObject().Key("errors").StartArray().StartObject().Key("message").String(
      ToValidUtf8(message));
  if (!field.empty()) w.Key("field").String(ToValidUtf8(field));
  w.EndObject().EndArray().EndObject();
  return w.Take();
}

HttpResponse ErrorResponse(int status, std::string_view message, std::string_view field) {
  return HttpResponse::Json(status, ErrorBody(message, field));
}

std::int64_t QueryInt(const HttpRequest& request, std::string_view name, std::int64_t fallback,
                      std::int64_t min, std::int64_t max) {
  const auto text = request.Query(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  std::size_t used = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size() || value < min || value > max) {
    throw ValidationError(std::string(name) + " must be an integer from " + std::to_string(min) +
                              " to " + std::to_string(max),
                          std::string(name));
  }
  return value;
}

const std::string& PostIdParam(const HttpRequest& request) {
  const std::string& id = request.params.at(0);
  if (!IsUuid(id)) throw PostNotFound(id);
  return id;
}

NotFoundError PostNotFound(std::string_view id) {
  return NotFoundError("post " + std::string(id) + " not found");
}

HttpResponse ResponseForCurrentException() {
  try {
    throw;
  } catch (const HttpError& e) {
    return ErrorResponse(e.Status(), e.what(), e.Field());
  } catch (const ValidationError& e) {
    return ErrorResponse(400, e.what(), e.Field());
  } catch (const DecodeError& e) {
    return ErrorResponse(400, e.what(), e.Field());
  } catch (const NotFoundError& e) {
    return ErrorResponse(404, e.what(), e.Field());
  } catch (const UnavailableError& e) {
    log::Warn("request refused: dependency unavailable", {{"error", e.what()}});
    return ErrorResponse(503, "service temporarily unavailable, retry later");
  } catch (const std::exception& e) {
    log::Error("request failed", {{"error", e.what()}});
    return ErrorResponse(500, "internal error");
  } catch (...) {
    log::Error("request failed with an unknown exception");
    return ErrorResponse(500, "internal error");
  }
}

}  // namespace blog

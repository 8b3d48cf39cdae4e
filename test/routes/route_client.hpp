// Drives a service's routes through HttpServer::Handle, without a socket: the service is built
// as RunService builds it (from a Config written here instead of the environment) and its
// routes are added by the service's own AddRoutes, so a test sees what a client would see —
// status, headers, body — from the same server code, minus the network.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "common/config.hpp"
#include "common/database.hpp"
#include "common/http_server.hpp"
#include "common/service.hpp"

namespace blog::test {

// The settings of `service` with its database at `database_url`. NATS points at a port where
// nothing listens: routes never publish themselves (their events go through the outbox).
Config RouteConfig(const std::string& service, const std::string& database_url);

// A database URL where nothing listens: every query fails at once as unavailable.
std::string UnreachableDatabaseUrl();

class RouteClient {
 public:
  // `service` must outlive the client and have its routes added already.
  explicit RouteClient(Service& service);

  // `target` is a path with an optional query ("/posts?limit=2"), not percent-encoded.
  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = {},
                    const std::string& content_type = "application/json") const;

 private:
  HttpServer server_;
};

// The value of response header `name` ("" when absent).
std::string HeaderOf(const HttpResponse& response, const std::string& name);

// The body parsed as JSON; fails the test when it is not.
rapidjson::Document JsonOf(const HttpResponse& response);

// The message of the first error of an error body.
std::string ErrorMessage(const HttpResponse& response);

}  // namespace blog::test

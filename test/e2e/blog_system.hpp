// The whole blog as real processes for end-to-end tests: one nats-server, one database per
// service, the four service executables on free ports.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "harness.hpp"

namespace blog::test {

inline const std::vector<std::string> kServices = {"posts", "comments", "moderation", "query"};

// NATS runs with authentication: each service connects with its own user and permissions, so
// every end-to-end test also proves the permissions are sufficient. Instances are named by their
// service ("comments") or, for extra replicas, "comments-2": a replica shares its service's
// database and durable consumers.
class BlogSystem {
 public:
  // Starts every service (and `replicas`, e.g. {"comments-2"}) and waits until each is ready.
  explicit BlogSystem(const std::vector<std::string>& replicas = {});
  ~BlogSystem();
  BlogSystem(const BlogSystem&) = delete;
  BlogSystem& operator=(const BlogSystem&) = delete;
  BlogSystem(BlogSystem&&) = delete;
  BlogSystem& operator=(BlogSystem&&) = delete;

  void Start(const std::string& service, std::map<std::string, std::string> extra_env = {});
  // Sends `signal` and waits for the exit; returns the exit status (-1: killed or timed out).
  int Stop(const std::string& service, int signal = 15);
  bool WaitReady(const std::string& service);
  int Port(const std::string& instance) const { return ports_.at(instance); }
  // Stops and starts the shared test PostgreSQL cluster (scripts/servers stop-pg / start-pg).
  static void StopPostgres();
  static void StartPostgres();
  std::string DatabaseUrl(const std::string& service) const {
    return databases_.at(service)->url();
  }
  // Points `service` at a brand-new empty database (takes effect at its next Start).
  void ReplaceDatabase(const std::string& service);
  std::map<std::string, std::string> Env(const std::string& service) const;
  // Runs a service executable with arguments (e.g. "query rebuild") to completion.
  int RunTool(const std::string& service, const std::vector<std::string>& args,
              std::string* output);
  std::string Logs(const std::string& service) const;
  NatsServer& nats() { return nats_; }
  // Settings for a client of this system's nats-server with the operator's (admin) credentials.
  NatsSettings AdminNats(const std::string& client_name);

  // Client helpers (fail the test on an unexpected status).
  std::string CreatePost(const std::string& title);
  HttpResult AddComment(const std::string& post_id, const std::string& content);
  // The query service's GET /posts body parsed.
  rapidjson::Document QueryPosts();
  // The status of comment `comment_id` in the query service, "" when absent.
  std::string QueryStatus(const std::string& post_id, const std::string& comment_id);

 private:
  NatsServer nats_;
  std::string log_dir_;
  std::map<std::string, std::unique_ptr<TempDatabase>> databases_;
  std::map<std::string, int> ports_;
  std::map<std::string, std::unique_ptr<Process>> processes_;
};

// Parses a JSON body (asserting it is valid).
rapidjson::Document ParseJson(const std::string& body);

}  // namespace blog::test

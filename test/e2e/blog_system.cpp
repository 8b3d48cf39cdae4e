#include "blog_system.hpp"

#include <cstdlib>

#include <catch2/catch.hpp>

#include "common/ids.hpp"

namespace blog::test {

rapidjson::Document ParseJson(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  INFO("body: " << body);
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

namespace {

std::string ServiceOf(const std::string& instance) {
  return instance.substr(0, instance.find('-'));
}

void PostgresCommand(const std::string& verb) {
  const std::string command = "PG_PORT=" + RequireEnv("PG_PORT") + " " + RequireEnv("BLOG_ROOT") +
                              "/scripts/servers " + verb + " " + RequireEnv("BLOG_TEST_PG_DATA") +
                              " >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace

void BlogSystem::StopPostgres() { PostgresCommand("stop-pg"); }
void BlogSystem::StartPostgres() { PostgresCommand("start-pg"); }

BlogSystem::BlogSystem(const std::vector<std::string>& replicas) : nats_(true) {
  log_dir_ = "/tmp/blog-e2e-" + NewUuid().substr(0, 8);
  std::system(("mkdir -p " + log_dir_).c_str());
  std::vector<std::string> instances = kServices;
  instances.insert(instances.end(), replicas.begin(), replicas.end());
  for (const auto& s : kServices) databases_[s] = std::make_unique<TempDatabase>();
  for (const auto& i : instances) ports_[i] = FreePort();
  // One instance per service first, so that replicas never race the schema migration.
  for (const auto& s : kServices) Start(s);
  for (const auto& s : kServices) {
    INFO(s << " log:\n" << Logs(s));
    REQUIRE(WaitReady(s));
  }
  for (const auto& r : replicas) Start(r);
  for (const auto& r : replicas) {
    INFO(r << " log:\n" << Logs(r));
    REQUIRE(WaitReady(r));
  }
}

BlogSystem::~BlogSystem() {
  for (auto& [name, process] : processes_) {
    if (process) process->Signal(9);
  }
  processes_.clear();
}

std::map<std::string, std::string> BlogSystem::Env(const std::string& instance) const {
  return {{"PORT", std::to_string(ports_.at(instance))},
          {"DATABASE_URL", databases_.at(ServiceOf(instance))->url()},
          {"NATS_URL", nats_.url()},
          {"NATS_USER", ServiceOf(instance)},
          {"NATS_PASSWORD", nats_.Password(ServiceOf(instance))},
          {"LOG_LEVEL", "info"},
          {"RETRY_BASE_MS", "100"},
          {"RETRY_MAX_MS", "1000"},
          {"SHUTDOWN_TIMEOUT_MS", "8000"},
          {"METRICS_REFRESH_MS", "1000"}};
}

void BlogSystem::Start(const std::string& instance, std::map<std::string, std::string> extra_env) {
  auto env = Env(instance);
  for (auto& [k, v] : extra_env) env[k] = v;
  const std::string service = ServiceOf(instance);
  const std::string binary = RequireEnv("BLOG_BIN_DIR") + "/" + service + "/" + service;
  processes_[instance] = std::make_unique<Process>(std::vector<std::string>{binary}, env,
                                                   log_dir_ + "/" + instance + ".log");
}

int BlogSystem::Stop(const std::string& service, int signal) {
  auto& process = processes_.at(service);
  process->Signal(signal);
  const int status = process->Wait(std::chrono::seconds(15));
  process.reset();
  return status;
}

bool BlogSystem::WaitReady(const std::string& service) {
  return Eventually([&] { return Http(Port(service), "GET", "/readyz").status == 200; },
                    std::chrono::seconds(20));
}

void BlogSystem::ReplaceDatabase(const std::string& service) {
  databases_[service] = std::make_unique<TempDatabase>();
}

int BlogSystem::RunTool(const std::string& service, const std::vector<std::string>& args,
                        std::string* output) {
  std::vector<std::string> argv = {RequireEnv("BLOG_BIN_DIR") + "/" + service + "/" + service};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = log_dir_ + "/" + service + "-tool-" + NewUuid().substr(0, 6) + ".log";
  auto env = Env(service);
  env["NATS_USER"] = "admin";  // operator tools run with the operator's credentials
  env["NATS_PASSWORD"] = nats_.Password("admin");
  Process tool(argv, env, log);
  const int status = tool.Wait(std::chrono::seconds(60));
  if (output != nullptr) *output = ReadFile(log);
  return status;
}

NatsSettings BlogSystem::AdminNats(const std::string& client_name) {
  return NatsSettings{.urls = {nats_.url()},
                      .user = "admin",
                      .password = nats_.Password("admin"),
                      .stream_replicas = 1,
                      .file_storage = true,
                      .duplicate_window = std::chrono::minutes(2),
                      .client_name = client_name};
}

std::string BlogSystem::Logs(const std::string& service) const {
  return ReadFile(log_dir_ + "/" + service + ".log");
}

std::string BlogSystem::CreatePost(const std::string& title) {
  const auto r = Http(Port("posts"), "POST", "/posts/create", R"({"title":")" + title + R"("})");
  INFO(r.body);
  REQUIRE(r.status == 201);
  return ParseJson(r.body)["id"].GetString();
}

HttpResult BlogSystem::AddComment(const std::string& post_id, const std::string& content) {
  return Http(Port("comments"), "POST", "/posts/" + post_id + "/comments",
              R"({"content":")" + content + R"("})");
}

rapidjson::Document BlogSystem::QueryPosts() {
  const auto r = Http(Port("query"), "GET", "/posts?limit=1000");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return ParseJson(r.body);
}

std::string BlogSystem::QueryStatus(const std::string& post_id, const std::string& comment_id) {
  const auto r = Http(Port("query"), "GET", "/posts/" + post_id);
  if (r.status != 200) return "";
  const auto doc = ParseJson(r.body);
  for (const auto& c : doc["comments"].GetArray()) {
    if (comment_id == c["id"].GetString()) return c["status"].GetString();
  }
  return "";
}

}  // namespace blog::test

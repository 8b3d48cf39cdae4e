// `blog-bench publish|consume|purge|hop`: the JetStream side of the bench.
//
// publish  writes N valid CloudEvents straight into stream BLOG (async publish, Nats-Msg-Id set),
//          in the shape the services produce: per post one PostCreated, three CommentCreated and
//          three CommentUpdated (final status).
// consume  reads the whole stream with a plain pull consumer (no acks, batches of 1000): the
//          raw consume ceiling for `query rebuild`.
// purge    empties stream BLOG.
// backlog  prints the pending messages of every consumer of BLOG; status 0 when there are none.
// hop      the floor of one event hop: JetStream publish with ack, pull-fetch, ack, and one
//          committed PostgreSQL row; N sequential samples.
#include <nats/nats.h>
#include <libpq-fe.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "stats.hpp"

namespace bench {
namespace {

void Check(natsStatus s, const std::string& what) {
  if (s != NATS_OK) {
    throw std::runtime_error(what + ": " + natsStatus_GetText(s) + " " +
                             (nats_GetLastError(nullptr) ? nats_GetLastError(nullptr) : ""));
  }
}

struct Nats {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  explicit Nats(const std::string& url, jsOptions* options = nullptr) {
    Check(natsConnection_ConnectTo(&nc, url.c_str()), "connect " + url);
    Check(natsConnection_JetStream(&js, nc, options), "jetstream");
  }
  ~Nats() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
};

std::string Uuid(std::uint64_t run, std::uint64_t kind, std::uint64_t n) {
  char out[48];
  std::snprintf(out, sizeof out, "%08llx-%04llx-4000-8000-%012llx",
                static_cast<unsigned long long>(run & 0xffffffffULL),
                static_cast<unsigned long long>(kind & 0xffffULL),
                static_cast<unsigned long long>(n & 0xffffffffffffULL));
  return out;
}

std::string NowText() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm parts{};
  gmtime_r(&ts.tv_sec, &parts);
  char out[40];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &parts);
  return std::string(out) + "." + std::to_string(100 + ts.tv_nsec / 10'000'000).substr(1) + "0Z";
}

std::string Envelope(const std::string& id, const char* source, const char* type,
                     const std::string& data) {
  return R"({"specversion":"1.0","id":")" + id + R"(","source":")" + source + R"(","type":")" +
         type + R"(","time":")" + NowText() + R"(","datacontenttype":"application/json","data":)" +
         data + "}";
}

int pub_errors = 0;
void OnPublishError(jsCtx*, jsPubAckErr* pae, void*) {
  if (++pub_errors <= 5) std::fprintf(stderr, "publish error: %s\n", pae->ErrText ? pae->ErrText : "");
}

int Publish(const std::map<std::string, std::string>& args) {
  const long total = std::stol(args.at("events"));
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = 4096;
  options.PublishAsync.StallWait = 2000;  // the server may pause on a busy machine
  options.PublishAsync.ErrHandler = OnPublishError;
  Nats nats(args.at("nats"), &options);
  const std::uint64_t run = std::random_device{}();
  const double started = NowMs();
  long sent = 0, posts = 0, comments = 0;
  const auto send = [&](const char* subject, const std::string& id, const std::string& body) {
    natsMsg* msg = nullptr;
    Check(natsMsg_Create(&msg, subject, nullptr, body.data(), static_cast<int>(body.size())), "msg");
    natsMsgHeader_Set(msg, "Nats-Msg-Id", id.c_str());
    natsMsgHeader_Set(msg, "traceparent",
                      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    // A stall (too many unacknowledged messages for StallWait) leaves the message ours: retry.
    natsStatus s = NATS_TIMEOUT;
    for (int attempt = 0; attempt < 30 && s == NATS_TIMEOUT; ++attempt) {
      s = js_PublishMsgAsync(nats.js, &msg, nullptr);
    }
    if (s != NATS_OK) natsMsg_Destroy(msg);
    Check(s, "publish");
    ++sent;
  };
  for (long p = 0; sent < total && p < total; ++p) {
    const std::string post = Uuid(run, 1, static_cast<std::uint64_t>(p));
    send("blog.post.created", Uuid(run, 0x11, static_cast<std::uint64_t>(p)),
         Envelope(Uuid(run, 0x11, static_cast<std::uint64_t>(p)), "/posts", "PostCreated",
                  R"({"id":")" + post + R"(","title":"replayed post )" + std::to_string(p) +
                      R"(","version":0})"));
    ++posts;
    for (int c = 0; c < 3 && sent < total; ++c) {
      const auto n = static_cast<std::uint64_t>(p * 3 + c);
      const std::string comment = Uuid(run, 2, n);
      const std::string fields = R"({"id":")" + comment + R"(","postId":")" + post +
                                 R"(","content":"a replayed comment )" + std::to_string(n) + "\"";
      send("blog.comment.created", Uuid(run, 0x21, n),
           Envelope(Uuid(run, 0x21, n), "/comments", "CommentCreated",
                    fields + R"(,"status":"pending","version":0})"));
      ++comments;
      if (sent < total) {
        send("blog.comment.updated", Uuid(run, 0x22, n),
             Envelope(Uuid(run, 0x22, n), "/comments", "CommentUpdated",
                      fields + R"(,"status":"approved","version":1})"));
      }
    }
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = 60000;
  Check(js_PublishAsyncComplete(nats.js, &wait), "publish complete");
  const double seconds = (NowMs() - started) / 1000;
  std::printf("RESULT publish events=%ld posts=%ld comments=%ld rate=%.0f errors=%d\n", sent, posts,
              comments, static_cast<double>(sent) / seconds, pub_errors);
  return pub_errors == 0 ? 0 : 1;
}

int Consume(const std::map<std::string, std::string>& args) {
  Nats nats(args.at("nats"));
  const std::string stream = args.count("stream") ? args.at("stream") : "BLOG";
  jsStreamInfo* info = nullptr;
  jsErrCode jerr{};
  Check(js_GetStreamInfo(&info, nats.js, stream.c_str(), nullptr, &jerr), "stream info");
  const std::uint64_t last = info->State.LastSeq, messages = info->State.Msgs;
  jsStreamInfo_Destroy(info);
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Config.AckPolicy = js_AckNone;
  options.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  const double started = NowMs();
  Check(js_PullSubscribe(&sub, nats.js, "blog.>", nullptr, nullptr, &options, &jerr), "subscribe");
  std::uint64_t read = 0, bytes = 0, seen = 0;
  while (seen < last && NowMs() - started < 900'000) {
    natsMsgList list{};
    const natsStatus s = natsSubscription_Fetch(&list, sub, 1000, 1000, &jerr);
    if (s == NATS_TIMEOUT && list.Count == 0) break;
    Check(s, "fetch");
    for (int i = 0; i < list.Count; ++i) {
      bytes += static_cast<std::uint64_t>(natsMsg_GetDataLength(list.Msgs[i]));
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, list.Msgs[i]) == NATS_OK) {
        seen = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
      }
    }
    read += static_cast<std::uint64_t>(list.Count);
    natsMsgList_Destroy(&list);
  }
  const double seconds = (NowMs() - started) / 1000;
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  std::printf("RESULT consume events=%llu stream_messages=%llu rate=%.0f mb=%.1f seconds=%.2f\n",
              static_cast<unsigned long long>(read), static_cast<unsigned long long>(messages),
              static_cast<double>(read) / seconds, static_cast<double>(bytes) / 1e6, seconds);
  return read == messages ? 0 : 1;
}

// Prints the backlog of every durable consumer on BLOG; exit 0 when none has pending work.
int Backlog(const std::map<std::string, std::string>& args) {
  Nats nats(args.at("nats"));
  jsConsumerInfoList* list = nullptr;
  jsErrCode jerr{};
  Check(js_Consumers(&list, nats.js, "BLOG", nullptr, &jerr), "list consumers");
  std::uint64_t total = 0;
  for (int i = 0; list != nullptr && i < list->Count; ++i) {
    const jsConsumerInfo* c = list->List[i];
    const auto pending = c->NumPending + static_cast<std::uint64_t>(c->NumAckPending);
    if (pending > 0) std::printf("%s=%llu ", c->Name, static_cast<unsigned long long>(pending));
    total += pending;
  }
  std::printf("RESULT backlog total=%llu\n", static_cast<unsigned long long>(total));
  if (list != nullptr) jsConsumerInfoList_Destroy(list);
  return total == 0 ? 0 : 1;
}

int Purge(const std::map<std::string, std::string>& args) {
  Nats nats(args.at("nats"));
  jsErrCode jerr{};
  Check(js_PurgeStream(nats.js, "BLOG", nullptr, &jerr), "purge BLOG");
  return 0;
}

int Hop(const std::map<std::string, std::string>& args) {
  const int samples = std::stoi(args.at("samples"));
  Nats nats(args.at("nats"));
  PGconn* pg = PQconnectdb(args.at("pg").c_str());
  if (PQstatus(pg) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(pg));
  PQclear(PQexec(pg, "CREATE TABLE IF NOT EXISTS bench_hop (id bigserial PRIMARY KEY, v text)"));
  jsErrCode jerr{};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {"benchhop.>"};
  cfg.Name = "BENCH_HOP";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;  // as stream BLOG
  Check(js_AddStream(nullptr, nats.js, &cfg, nullptr, &jerr), "add stream BENCH_HOP");
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = "BENCH_HOP";
  options.Config.AckPolicy = js_AckExplicit;
  natsSubscription* sub = nullptr;
  Check(js_PullSubscribe(&sub, nats.js, "benchhop.x", "bench-hop", nullptr, &options, &jerr),
        "subscribe");
  std::vector<double> ms;
  int failures = 0;
  const std::string payload(300, 'x');  // about one event's size
  for (int i = 0; i < samples; ++i) {
    const double t0 = NowMs();
    jsPubAck* ack = nullptr;
    Check(js_Publish(&ack, nats.js, "benchhop.x", payload.data(), static_cast<int>(payload.size()),
                     nullptr, &jerr), "publish");
    jsPubAck_Destroy(ack);
    natsMsgList list{};
    if (natsSubscription_Fetch(&list, sub, 1, 2000, &jerr) != NATS_OK || list.Count != 1) {
      ++failures;
      natsMsgList_Destroy(&list);
      continue;
    }
    natsMsg_Ack(list.Msgs[0], nullptr);
    natsMsgList_Destroy(&list);
    PGresult* r = PQexec(pg, "INSERT INTO bench_hop (v) VALUES ('an event id')");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) ++failures;
    PQclear(r);
    ms.push_back(NowMs() - t0);
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  js_DeleteStream(nats.js, "BENCH_HOP", nullptr, &jerr);
  PQclear(PQexec(pg, "DROP TABLE bench_hop"));
  PQfinish(pg);
  PrintLatency("hop", ms, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int RunJetStream(const std::string& command, const std::map<std::string, std::string>& args) {
  if (command == "publish") return Publish(args);
  if (command == "consume") return Consume(args);
  if (command == "purge") return Purge(args);
  if (command == "backlog") return Backlog(args);
  if (command == "hop") return Hop(args);
  throw std::runtime_error("unknown command " + command);
}

}  // namespace bench

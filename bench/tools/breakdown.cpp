// `blog-bench breakdown --nats URL --samples FILE`: where the end-to-end time goes, hop by hop.
//
// FILE holds the samples of `blog-bench e2e --samples-out` ("post|comment <id> <201 ms>
// <visible ms>", wall clock). The stream BLOG stores each event with the time it was stored;
// matching the events of each sampled post or comment splits its latency into stages:
//   post:    201 → PostCreated stored (posts relay) → visible in query (query listener)
//   comment: 201 → CommentCreated stored (comments relay) → CommentModerated stored (moderation
//            listener + relay) → CommentUpdated stored (comments listener + relay) → final in query
#include <nats/nats.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "stats.hpp"

namespace bench {
namespace {

struct Sample {
  std::string kind, id;
  double t201 = 0, seen = 0;
};

// "<subject> <entity id>" -> stored time (ms since the epoch), for the sampled ids only.
std::map<std::string, double> StoredTimes(const std::string& url, const std::set<std::string>& ids) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK ||
      natsConnection_JetStream(&js, nc, nullptr) != NATS_OK) {
    throw std::runtime_error("cannot connect to " + url);
  }
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = "BLOG";
  options.Config.AckPolicy = js_AckNone;
  options.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  jsErrCode jerr{};
  if (js_PullSubscribe(&sub, js, "blog.>", nullptr, nullptr, &options, &jerr) != NATS_OK) {
    throw std::runtime_error("cannot read stream BLOG");
  }
  std::map<std::string, double> stored;
  const double started = NowMs();
  for (int round = 0; round < 100000 && NowMs() - started < 300'000; ++round) {
    natsMsgList list{};
    const natsStatus s = natsSubscription_Fetch(&list, sub, 1000, 1000, &jerr);
    if (s != NATS_OK || list.Count == 0) {
      natsMsgList_Destroy(&list);
      break;
    }
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* msg = list.Msgs[i];
      const std::string data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
      const auto at = data.find("\"data\":{\"id\":\"");
      if (at == std::string::npos) continue;
      const std::string id = data.substr(at + 14, 36);
      if (ids.count(id) == 0) continue;
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        stored[std::string(natsMsg_GetSubject(msg)) + " " + id] =
            static_cast<double>(meta->Timestamp) / 1e6;
        jsMsgMetaData_Destroy(meta);
      }
    }
    natsMsgList_Destroy(&list);
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return stored;
}

}  // namespace

int RunBreakdown(const std::map<std::string, std::string>& args) {
  std::ifstream in(args.at("samples"));
  std::vector<Sample> samples;
  std::set<std::string> ids;
  for (Sample s; in >> s.kind >> s.id >> s.t201 >> s.seen;) {
    samples.push_back(s);
    ids.insert(s.id);
  }
  const auto stored = StoredTimes(args.at("nats"), ids);
  const auto at = [&](const std::string& subject, const std::string& id) {
    const auto it = stored.find(subject + " " + id);
    return it == stored.end() ? -1.0 : it->second;
  };
  std::map<std::string, std::vector<double>> stages;
  int incomplete = 0;
  for (const auto& s : samples) {
    if (s.kind == "post") {
      const double created = at("blog.post.created", s.id);
      if (created < 0) { ++incomplete; continue; }
      stages["post_1_relay_201_to_stored"].push_back(created - s.t201);
      stages["post_2_query_stored_to_visible"].push_back(s.seen - created);
    } else {
      const double created = at("blog.comment.created", s.id);
      const double moderated = at("blog.comment.moderated", s.id);
      const double updated = at("blog.comment.updated", s.id);
      if (created < 0 || moderated < 0 || updated < 0) { ++incomplete; continue; }
      stages["comment_1_relay_201_to_created"].push_back(created - s.t201);
      stages["comment_2_moderation_created_to_moderated"].push_back(moderated - created);
      stages["comment_3_comments_moderated_to_updated"].push_back(updated - moderated);
      stages["comment_4_query_updated_to_final"].push_back(s.seen - updated);
    }
  }
  for (auto& [name, values] : stages) PrintLatency("stage_" + name, values, 0);
  std::printf("RESULT breakdown samples=%zu incomplete=%d\n", samples.size(), incomplete);
  return 0;
}

}  // namespace bench

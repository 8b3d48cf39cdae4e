// blogctl flow / blogctl consumers: the catalog's flow, and the consumers the server has.
#include <algorithm>
#include <set>
#include <sstream>

#include "common/catalog.hpp"
#include "common/errors.hpp"
#include "common/events.hpp"
#include "common/jetstream.hpp"
#include "common/listener.hpp"
#include "common/stream_reader.hpp"

#include "commands.hpp"
#include "output.hpp"

namespace blog::ctl {
namespace {

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out.empty() ? "-" : out;
}

rapidjson::Value Strings(rapidjson::Document& doc, const std::vector<std::string>& items) {
  rapidjson::Value array(rapidjson::kArrayType);
  for (const auto& item : items) array.PushBack(JsonString(doc, item), doc.GetAllocator());
  return array;
}

// service -> the consumer name for each type it consumes, as the catalog expects.
std::set<std::string> ExpectedConsumers() {
  std::set<std::string> names;
  for (const auto& e : EventCatalog()) {
    for (const auto& service : e.consumers) names.insert(ConsumerName(service, e.type));
  }
  return names;
}

}  // namespace

int Flow(Invocation& in) {
  if (in.args.json()) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value events(rapidjson::kArrayType);
    for (const auto& e : EventCatalog()) {
      rapidjson::Value row(rapidjson::kObjectType);
      row.AddMember("type", JsonString(doc, e.type), a);
      row.AddMember("subject", JsonString(doc, e.subject), a);
      row.AddMember("producers", Strings(doc, e.producers), a);
      row.AddMember("consumers", Strings(doc, e.consumers), a);
      std::vector<std::string> durable;
      for (const auto& s : e.consumers) durable.push_back(ConsumerName(s, e.type));
      row.AddMember("durable_consumers", Strings(doc, durable), a);
      row.AddMember("version", e.Current().version, a);
      rapidjson::Value versions(rapidjson::kArrayType);
      for (const auto& v : e.versions) versions.PushBack(v.version, a);
      row.AddMember("versions", versions, a);
      row.AddMember("fields", Strings(doc, e.Current().fields), a);
      events.PushBack(row, a);
    }
    doc.AddMember("stream", rapidjson::StringRef(kEventStream.data(), kEventStream.size()), a);
    doc.AddMember("events", events, a);
    PrintJson(in.out, doc);
    return 0;
  }
  Table table({"EVENT", "SUBJECT", "PUBLISHED BY", "CONSUMED BY (durable consumer on BLOG)"});
  for (const auto& e : EventCatalog()) {
    std::vector<std::string> consumers;
    for (const auto& s : e.consumers) consumers.push_back(s + " (" + ConsumerName(s, e.type) + ")");
    table.Add({e.type, e.subject, Join(e.producers, ", "), Join(consumers, ", ")});
  }
  table.Print(in.out);
  in.out << "\n";
  Table arrows({"", "", ""});
  for (const auto& e : EventCatalog()) {
    for (const auto& producer : e.producers) {
      arrows.Add({producer, "--" + e.type + "-->", Join(e.consumers, ", ")});
    }
  }
  std::ostringstream text;
  arrows.Print(text);
  in.out << text.str().substr(text.str().find('\n') + 1);  // no header line
  return 0;
}

int Consumers(Invocation& in) {
  NatsClient& nats = in.nats();
  if (!GetStream(nats, kEventStream, false)) {
    throw Error("stream BLOG does not exist on this server (has a service started?)");
  }
  auto consumers = ListConsumers(nats, kEventStream);
  consumers.erase(std::remove_if(consumers.begin(), consumers.end(),
                                 [](const ConsumerState& c) { return !c.durable(); }),
                  consumers.end());
  std::sort(consumers.begin(), consumers.end(),
            [](const auto& l, const auto& r) { return l.name < r.name; });
  auto missing = ExpectedConsumers();
  const auto expected = missing;
  for (const auto& c : consumers) missing.erase(c.name);

  if (in.args.json()) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto& c : consumers) {
      rapidjson::Value row(rapidjson::kObjectType);
      row.AddMember("name", JsonString(doc, c.name), a);
      row.AddMember("filter_subject", JsonString(doc, c.config.filter_subject), a);
      row.AddMember("pending", c.pending, a);
      row.AddMember("ack_pending", c.ack_pending, a);
      row.AddMember("redelivered", c.redelivered, a);
      row.AddMember("waiting", c.waiting, a);
      row.AddMember("delivered_sequence", c.delivered_sequence, a);
      row.AddMember("ack_floor", c.ack_floor, a);
      row.AddMember("deliver_policy",
                    JsonString(doc, std::string(DeliverPolicyName(c.config.start.kind))), a);
      row.AddMember("in_catalog", expected.count(c.name) > 0, a);
      list.PushBack(row, a);
    }
    doc.AddMember("stream", "BLOG", a);
    doc.AddMember("consumers", list, a);
    doc.AddMember("missing", Strings(doc, {missing.begin(), missing.end()}), a);
    PrintJson(in.out, doc);
    return 0;
  }
  Table table({"CONSUMER", "SUBJECT", "PENDING", "ACK-PENDING", "REDELIVERED", "WAITING",
               "DELIVERED", "ACK-FLOOR", "NOTE"});
  for (const auto& c : consumers) {
    table.Add({c.name, c.config.filter_subject, std::to_string(c.pending),
               std::to_string(c.ack_pending), std::to_string(c.redelivered),
               std::to_string(c.waiting), std::to_string(c.delivered_sequence),
               std::to_string(c.ack_floor),
               expected.count(c.name) > 0 ? "" : "not in the catalog"});
  }
  for (const auto& name : missing) {
    table.Add({name, "-", "-", "-", "-", "-", "-", "-", "missing: its service has not started"});
  }
  table.Print(in.out);
  return 0;
}

}  // namespace blog::ctl

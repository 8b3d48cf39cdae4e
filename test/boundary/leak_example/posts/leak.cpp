// Service sources as the boundary check must refuse them (test/CMakeLists.txt): every line
// below but the blank ones and these comments uses a client library that common/ hides.
#include <pqxx/pqxx>
#include <libpq-fe.h>
#include "nats/nats.h"

void WithLibpqxx(pqxx::connection& conn) { pqxx::nontransaction(conn).exec("SELECT 1"); }
void WithLibpq(PGconn* conn) {
  PQfinish(conn);
}
void WithNats(natsConnection* conn, jsCtx* js) {
  js_PullSubscribe(nullptr, js, "blog.>", "durable", nullptr, nullptr, nullptr);
}

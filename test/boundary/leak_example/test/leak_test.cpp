// A test source as the boundary check must treat it: tests may read PostgreSQL themselves (the
// two lines after this comment pass), but reach NATS only through common/ (the last two offend).
#include <pqxx/pqxx>
void CountRows(pqxx::connection& conn) { pqxx::nontransaction(conn).exec("SELECT 1"); }
#include <nats/nats.h>
void Publish(natsConnection* conn) { natsConnection_PublishString(conn, "blog.x", "{}"); }

# PostgreSQL 15 from Debian's packages, for the podman smoke test (deploy/container-smoke),
# where no registry image can be pulled. Kubernetes uses the upstream image
# postgres:15.19-bookworm with one server per service instead (k8s/base/postgres/).
#
# On first start the entrypoint creates one database per name in BLOG_DATABASES, each
# owned by a role of the same name with password BLOG_DB_PASSWORD, and reachable by that
# role only.
ARG DEBIAN_IMAGE=debian:bookworm-20260803-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && pg_dropcluster 15 main \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY Dockerfiles/postgres-entrypoint /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    BLOG_DATABASES="posts comments moderation query"
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]

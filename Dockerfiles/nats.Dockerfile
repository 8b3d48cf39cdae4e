# nats-server with JetStream from Debian's package, for the podman smoke test
# (deploy/container-smoke), where no registry image can be pulled. Kubernetes uses the
# upstream image nats:2.10.29-alpine instead (k8s/base/nats/).
ARG DEBIAN_IMAGE=debian:bookworm-20260803-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nats-server \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10002 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin natsd \
 && mkdir -p /data \
 && chown natsd /data
USER natsd
VOLUME /data
EXPOSE 4222 8222
ENTRYPOINT ["/usr/sbin/nats-server"]
CMD ["--jetstream", "--store_dir", "/data", "--port", "4222", "--http_port", "8222"]

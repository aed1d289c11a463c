# Stand-in for nats:2.9-alpine: Debian's nats-server, wget for healthchecks, the official
# image's entrypoint behaviour (arguments starting with "-" are passed to nats-server).
FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nats-server wget >/dev/null \
 && rm -rf /var/lib/apt/lists/* && ln -s /usr/sbin/nats-server /usr/local/bin/nats-server
COPY nats-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
EXPOSE 4222 8222 6222
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["nats-server"]

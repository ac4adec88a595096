# chatd on Debian 12 (bookworm). Build: docker build -t chatd .   Run: see docker-compose.yml.
# Settings come from config/chatd.conf inside the image, overridden by CHATD_<KEY> variables.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make pkg-config \
      libevent-dev libjansson-dev libjwt-dev libwslay-dev libpq-dev libssl-dev zlib1g-dev \
      libhiredis-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the build reads, so a local build/ or var/ never enters the image.
# (the Makefile includes fuzz/fuzz.mk; the console's files are compiled in by tools/embed.c)
COPY Makefile VERSION ./
COPY fuzz/fuzz.mk fuzz/
COPY server/ server/
COPY tools/ tools/
COPY console/ console/
RUN make -j"$(nproc)" build/chatd

FROM debian:bookworm-slim
# The libraries behind the Makefile's pkg-config list (-levent is libevent-2.1-7).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libevent-2.1-7 libevent-openssl-2.1-7 libjansson4 libjwt0 libwslay1 \
      libpq5 libssl3 zlib1g libhiredis0.14 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /opt/chatd --shell /usr/sbin/nologin chatd \
 && install -d -o chatd -g chatd /opt/chatd/var
# history_export_dir (var/history) is written by chatd: mount a volume on /opt/chatd/var to keep
# the export files across containers.
# chatd reads schema/ relative to its working directory (config key schema_dir).
WORKDIR /opt/chatd
COPY --from=build /src/build/chatd /usr/local/bin/chatd
COPY schema/ schema/
COPY config/chatd.conf config/chatd.conf
USER chatd
ENV CHATD_LISTEN=0.0.0.0:8080
EXPOSE 8080
# SIGTERM (docker stop) makes chatd finish in-flight requests and exit.
STOPSIGNAL SIGTERM
ENTRYPOINT ["chatd", "-c", "/opt/chatd/config/chatd.conf"]

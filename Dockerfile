# privatelinkd: a release binary with the Swift runtime linked in, on debian:bookworm-slim.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev libssl-dev libcurl4-openssl-dev libxml2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
# The manifest names the test targets too; SwiftPM refuses to load it without their folders.
COPY Tests Tests
COPY migrations migrations
RUN swift build -c release --static-swift-stdlib --product privatelinkd \
    && mkdir -p /out/bin /out/share/privatelinkd \
    && cp .build/release/privatelinkd /out/bin/ \
    && cp -R .build/release/privatelinkd_Core.resources /out/bin/ \
    && cp -R migrations /out/share/privatelinkd/

FROM debian:bookworm-slim
# libsqlite3-0 for the store; libcurl4 for FoundationNetworking (AWS calls); libxml2 for
# FoundationXML (AWS's XML answers); libssl3 for the verifier's TLS handshake and ca-certificates
# for the CAs both trust; curl for the health check. ldd on a static-stdlib build shows these (and
# their own dependencies) besides libstdc++6, libgcc-s1 and libc6 (libresolv is part of libc6).
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 libxml2 libssl3 libsqlite3-0 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/privatelinkd privatelinkd \
    && mkdir -p /var/lib/privatelinkd && chown privatelinkd /var/lib/privatelinkd
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/share/ /usr/local/share/
USER privatelinkd
VOLUME /var/lib/privatelinkd
ENV PRIVATELINKD_HOST=0.0.0.0 \
    PRIVATELINKD_PORT=8080 \
    PRIVATELINKD_DB=/var/lib/privatelinkd/privatelinkd.sqlite
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/privatelinkd"]

# qunsu serve in a container: a static binary built in one stage, run as a
# non-root user in a small image with the CA certificates the platforms' HTTPS
# needs. Configure it with the QUNSU_* environment (see the README);
# QUNSU_CONFIG names a company file mounted into the container.
#
#   docker build -t qunsu .
#   docker run --env-file qunsu.env -v ./company.yaml:/etc/qunsu/company.yaml:ro -p 8080:8080 qunsu

FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (no cgo), without local paths or debug tables.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/qunsu ./cmd/qunsu

FROM alpine:3.22
RUN apk add --no-cache ca-certificates \
    && adduser -D -H -s /sbin/nologin -u 10001 qunsu
COPY --from=build /out/qunsu /usr/local/bin/qunsu
USER 10001:10001
ENV QUNSU_HTTP_ADDR=:8080
EXPOSE 8080
# /healthz says the process answers; orchestrators that route traffic should
# ask /readyz (Redis and every runner) instead.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
# serve stops on SIGTERM within 20 s, finishing the work in hand: give it
# longer (docker stop -t 30, Kubernetes terminationGracePeriodSeconds: 30).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/qunsu"]
CMD ["serve"]

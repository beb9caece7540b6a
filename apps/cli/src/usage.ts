export const USAGE = `ztsdb: container metrics, collected with eBPF and stored in a time-series database

usage: ztsdb <command> [arguments]

services:
  all         every service in one process (starts a local nats-server when none answers)
  collector   the collector: discovers containers, publishes their metrics
  ingestor    the ingestor: consumes samples, keeps hot data, answers hot queries
  compactor   the compactor: sealed chunks into warm files, warm into cold, retention
  query       the query service: HTTP on ZTSDB_HTTP_ADDR and NATS ztsdb.query
              (with arguments, "ztsdb query" is the client command below)

client commands (talk to a running deployment at NATS_URL):
  import FILE [--format csv|prom|openmetrics|jsonl]
              load samples: CSV lines "series,timestamp_ms,value", Prometheus text
              "metric{label=\\"v\\"} value [timestamp_ms]" (no timestamp: now),
              OpenMetrics, or the JSON lines of "ztsdb export"; bad lines are reported
              by number and skipped (exit code 1 when there were any)
  export SELECTOR... [--start T] [--end T] [--format json|prometheus|csv] [--out FILE]
              every point of the matching series from the query service's
              GET /api/v1/export (JSON lines by default), progress on stderr;
              "ztsdb import" reads all three formats back
  query SERIES|SELECTOR... [--start -1h] [--end now] [--step 60s]
        [--agg sum|avg|min|max|count] [--by label,...] [--lookback 5m] [--json]
              points of one series, or of every series a selector or glob matches,
              e.g. ztsdb query 'container_cpu_usage{container_name="web-1"}' --step 1m
  series [GLOB|SELECTOR] [--json]
              the registered series and their labels
  top [--once]
              live table of containers by CPU, memory, network and block I/O,
              refreshed every second; q or Ctrl-C quits
  nats-config [--out DIR] [--listen HOST:PORT] [--store DIR] [--tls-cert F --tls-key F [--tls-ca F]] [--rotate]
              write a nats-server configuration with one least-privilege user per
              service (nats-server.conf) and each user's env file, all mode 0600
  repair      put back into KV ztsdb_series the series entries it lost (deleted
              bucket), from the compactor's snapshot in ZTSDB_DATA_DIR
  help        this text

Settings come from the environment; see README.md (NATS_URL, ZTSDB_DATA_DIR,
ZTSDB_PARTITIONS, ZTSDB_HTTP_ADDR, ZTSDB_SOURCE, ZTSDB_COLD_AFTER, ZTSDB_RETENTION, ...).
`;

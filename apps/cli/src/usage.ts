export const USAGE = `ztsdb: container metrics, collected with eBPF and stored in a time-series database

usage: ztsdb <command>

commands:
  all         every service in one process (starts a local nats-server when none answers)
  collector   the collector: discovers containers, publishes their metrics
  ingestor    the ingestor: consumes samples, keeps hot data, answers hot queries
  compactor   the compactor (warm and cold files)
  query       the query service: HTTP on ZTSDB_HTTP_ADDR and NATS ztsdb.query
  help        this text

Settings come from the environment; see README.md (NATS_URL, ZTSDB_DATA_DIR,
ZTSDB_PARTITIONS, ZTSDB_HTTP_ADDR, ZTSDB_SOURCE, ZTSDB_COLLECT_INTERVAL_MS, ...).
`;

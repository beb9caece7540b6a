/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const MODEL_ERROR_CODES = {
  badPartitions: 'ZTSDB_BAD_PARTITIONS',
  badContainerId: 'ZTSDB_BAD_CONTAINER_ID',
  badParam: 'ZTSDB_BAD_PARAM',
  badSeriesEntry: 'ZTSDB_SERIES_ENTRY_CORRUPT',
} as const;

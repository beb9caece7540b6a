/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const BUS_ERROR_CODES = {
  natsRetryDeadline: 'ZTSDB_NATS_RETRY_DEADLINE',
} as const;

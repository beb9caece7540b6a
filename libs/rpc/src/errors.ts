/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const RPC_ERROR_CODES = {
  tooLarge: 'ZTSDB_TOO_LARGE',
  badAnswer: 'ZTSDB_BAD_ANSWER',
} as const;

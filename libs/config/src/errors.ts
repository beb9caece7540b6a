/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const CONFIG_ERROR_CODES = {
  badSettings: 'ZTSDB_BAD_SETTINGS',
} as const;

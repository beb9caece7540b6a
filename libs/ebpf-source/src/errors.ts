/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const EBPF_SOURCE_ERROR_CODES = {
  ebpfNoCgroup2: 'ZTSDB_EBPF_NO_CGROUP2',
  sourceNotStarted: 'ZTSDB_SOURCE_NOT_STARTED',
  ebpfRead: 'ZTSDB_EBPF_READ',
  ebpfClose: 'ZTSDB_EBPF_CLOSE',
  ebpfAttach: 'ZTSDB_EBPF_ATTACH',
  ebpfDetach: 'ZTSDB_EBPF_DETACH',
} as const;

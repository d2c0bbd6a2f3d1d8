// Public API of raft-wal-ts. See README.md for the format and the crash-safety argument.
export {};

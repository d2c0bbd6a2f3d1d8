// One call to get the storage side of a server: the database, the watch hub, the FSM that
// applies to it and the read API over it (app/ wires the FSM into the Raft driver).
import { openStateDb } from './db.ts';
import type { StateDb, StateDbOptions } from './db.ts';
import { StateFsm } from './fsm.ts';
import type { StateFsmOptions } from './fsm.ts';
import { StateStore } from './state-store.ts';
import { WatchHub } from './watch-hub.ts';

export interface State {
  readonly db: StateDb;
  readonly hub: WatchHub;
  readonly fsm: StateFsm;
  readonly store: StateStore;
  /** Wakes every waiter (they return their current result) and closes the database. */
  close(): void;
}

/** Opens `<path>` (e.g. `<data-dir>/state.db`, or ':memory:'), migrating it if needed. */
export function openState(path: string, options: StateFsmOptions & StateDbOptions = {}): State {
  const db = openStateDb(path, options);
  const hub = new WatchHub();
  const fsm = new StateFsm(db, hub, options);
  const store = new StateStore(db, hub);
  return {
    db,
    hub,
    fsm,
    store,
    close: () => {
      hub.abandon();
      db.close();
    },
  };
}

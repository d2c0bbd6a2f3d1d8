// A one-server stand-in for Raft: every proposed command becomes the next log entry (index +1,
// term 1) and is applied through the real FSM at once, as a leader of a single-voter cluster
// would do after its own fsync. It keeps the log it built so tests can check what reached it.
import { encodeCommand, validateCommand } from '../../storage/commands.ts';
import type { Command, ResultOf } from '../../storage/commands.ts';
import type { StateFsm } from '../../storage/fsm.ts';

export interface AppliedEntry {
  readonly index: number;
  readonly command: Command;
}

export class SingleNodeApplier {
  readonly log: AppliedEntry[] = [];

  constructor(private readonly fsm: StateFsm, private readonly term = 1) {}

  apply<C extends Command>(command: C): { index: number; result: ResultOf<C['type']> } {
    const invalid = validateCommand(command);
    // The HTTP layer must refuse bad input before proposing: reaching here is a routes bug.
    if (invalid !== null) throw new Error(`invalid command proposed (${command.type}): ${invalid}`);
    const index = this.fsm.applied().index + 1;
    const [result] = this.fsm.apply([{ index, term: this.term, kind: 'command', data: encodeCommand(command) }]);
    this.log.push({ index, command });
    return { index, result: result as ResultOf<C['type']> };
  }

  /** Appends a no-op entry (a new leader's first entry), moving the index without a write. */
  noop(): number {
    const index = this.fsm.applied().index + 1;
    this.fsm.apply([{ index, term: this.term, kind: 'noop', data: new Uint8Array(0) }]);
    return index;
  }
}

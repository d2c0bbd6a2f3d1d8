// Child process of restore-crash.test.ts: restores a snapshot file into a state database and
// kills itself with SIGKILL at the given restore step — a crash: no close, no cleanup, no
// finally blocks. Exits 0 only if the step never came.
//
//   node --import tsx restore-crash-child.ts <state.db> <snapshot file> <index> <term> <step> <nth>
import { createReadStream } from 'node:fs';
import type { RestoreStep } from '../../storage/db.ts';
import { openState } from '../../storage/open-state.ts';

const [path, snapshot, index, term, step, nth] = process.argv.slice(2);
if (path === undefined || snapshot === undefined || step === undefined) throw new Error('usage: <state.db> <snapshot> <index> <term> <step> <nth>');
let seen = 0;
const state = openState(path, {
  onRestoreStep: (s: RestoreStep) => {
    if (s === step && ++seen === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
  },
});
await state.fsm.restore(createReadStream(snapshot, { highWaterMark: 64 * 1024 }), { index: Number(index), term: Number(term) });
state.close();

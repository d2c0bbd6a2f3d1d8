// Unhandled promise rejections during a simulation belong to the simulator: each is a violation
// of the run it happened in, reported with that run's seed and trace. While a simulation owns
// them, the process's other listeners (a test runner's) are set aside, so the run's own report
// is the one that counts; they are put back when the simulation ends.

type Listener = (reason: unknown) => void;

let saved: NodeJS.UnhandledRejectionListener[] | undefined;
let target: Listener | undefined;

const route = (reason: unknown): void => target?.(reason);

/** Routes unhandled rejections to `listener` until the returned release function is called. */
export function claimRejections(listener: Listener): () => void {
  if (saved === undefined) {
    saved = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', route);
  }
  target = listener;
  return () => {
    if (target !== listener || saved === undefined) return;
    target = undefined;
    process.off('unhandledRejection', route);
    for (const l of saved) process.on('unhandledRejection', l);
    saved = undefined;
  };
}

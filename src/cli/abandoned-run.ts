/**
 * A run that waits for something that never comes (a lost wake-up between the reading threads,
 * say) does not hang: Node ends the process once nothing is left to wait on, as if the run were
 * done, with exit code 0 and whatever output came before. That is a silent, partial answer, the
 * worst kind. So, while `run` has not settled, an empty event loop is reported as what it is.
 */
export function reportIfAbandoned(run: Promise<unknown>, report: () => void): void {
  let settled = false;
  const onEmptyLoop = () => {
    if (!settled) report();
  };
  process.once('beforeExit', onEmptyLoop);
  const done = () => {
    settled = true;
    process.off('beforeExit', onEmptyLoop);
  };
  run.then(done, done);
}

/** A job that runs on a timer until stopped. */
export interface Scheduler {
  /** No new pass starts; resolves once a pass under way has ended (it is asked to stop early). */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalSeconds`, one pass at a time: the next starts `intervalSeconds` after
 * the last one ended, so a slow pass never overlaps the next. A pass that fails is reported to
 * `onError` and the schedule goes on. The timer does not keep the process alive.
 */
export function startScheduler(
  intervalSeconds: number,
  pass: (signal: AbortSignal) => Promise<void>,
  onError: (error: unknown) => void,
): Scheduler {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const next = () => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      current = pass(stopping.signal).catch(onError).finally(next);
    }, intervalSeconds * 1000);
    timer.unref();
  };
  next();
  return {
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await current;
    },
  };
}

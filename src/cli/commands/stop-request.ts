// Inside a cloud run: on SIGTERM, asks the provider whether a user stopped the run (`cloud job stop`) and says so in the log.
import type { Provider } from '../../providers/provider.js';
import type { ConsoleLog } from '../console-log.js';

/** How long the end of the run waits for the answer: a stopped container has seconds left before SIGKILL. */
const ANSWER_WAIT_MS = 5_000;

export interface StopRequestWatch {
  /** Logs the line once more, as the run's last, next to the container's end; waits a few seconds for the answer at most. */
  finish(): Promise<void>;
  release(): void;
}

/**
 * A cloud stops a replica and times one out with the same SIGTERM, and its alert reads only the logs: the provider's
 * line (with its mark) is logged when the answer comes, and again at the end, so the mark is in the same alert window
 * as the container's end. A provider without readStopRequest, or a run outside its cloud, logs nothing.
 */
export function watchStopRequest(provider: Provider, log: ConsoleLog): StopRequestWatch {
  const read = provider.runs.readStopRequest?.bind(provider.runs);
  let answer: Promise<string | undefined> | undefined;
  const onTerm = (): void => {
    if (!read || answer) return;
    answer = read().catch((error: unknown) => {
      log.log('warning', `could not read whether a user stopped this run (${error instanceof Error ? error.message : String(error)}): the failed-runs alert counts it`);
      return undefined;
    });
    void answer.then((line) => line && log.log('warning', line));
  };
  process.on('SIGTERM', onTerm);
  return {
    async finish() {
      if (!answer) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ANSWER_WAIT_MS);
      });
      const line = await Promise.race([answer, late]);
      clearTimeout(timer);
      if (line) log.log('warning', line);
    },
    release() {
      process.off('SIGTERM', onTerm);
    },
  };
}

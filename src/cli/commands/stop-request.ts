// Inside a cloud run: on SIGTERM, asks the provider whether a user stopped the run (`cloud job stop`) and says so in the log.
import type { Provider } from '../../providers/provider.js';
import { USER_STOP_MARK } from '../../providers/store/user-stops.js';
import type { ConsoleLog, LineRewrite } from '../console-log.js';

/** How long the end of the run waits for the answer: a stopped container has seconds left before SIGKILL. */
const ANSWER_WAIT_MS = 5_000;

export interface StopRequestWatch {
  /** Logs the line once more, as the run's last, next to the container's end; waits a few seconds for the answer at most. */
  finish(): Promise<void>;
  /**
   * After a SIGTERM: the reason to record when `cloud run --wait --timeout` stopped the run (a few seconds' wait at
   * most); undefined when no SIGTERM came, or it was another stop.
   */
  timeoutStop(): Promise<string | undefined>;
  release(): void;
}

/** After a user's stop: the run's error lines carry the mark, so no failed-runs alarm counts them (nor a task's end). */
const markUserStop: LineRewrite = (level, message) => ((level === 'error' || level === 'critical') && !message.includes(USER_STOP_MARK) ? `${message} ${USER_STOP_MARK}` : message);

/**
 * A cloud stops a replica and times one out with the same SIGTERM, and its alarms read only the logs, AWS's and Google
 * Cloud's one line at a time: from the SIGTERM until the answer comes (a few seconds at most), the run's lines are
 * held, then written with the mark on their error lines (`Task x ended with exit code 143`) when a user stopped the
 * run, as they were otherwise. The provider's line (with its mark) is logged when the answer comes, and again at the
 * end, so the mark is in the same alert window as the container's end (Azure's alert leaves out the whole run). A
 * provider without readStopRequest, or a run outside its cloud, logs nothing and holds nothing long.
 */
export function watchStopRequest(provider: Provider, log: ConsoleLog): StopRequestWatch {
  const read = provider.runs.readStopRequest?.bind(provider.runs);
  const readTimeout = provider.runs.readTimeoutStop?.bind(provider.runs);
  let answer: Promise<string | undefined> | undefined;
  let timeoutAnswer: Promise<string | undefined> | undefined;
  let release: ReturnType<ConsoleLog['hold']> = () => undefined;
  const onTerm = (): void => {
    // Unreadable: the run stays recorded as interrupted, as it was before handoff told timeouts apart.
    timeoutAnswer ??= readTimeout ? readTimeout().catch(() => undefined) : undefined;
    if (!read || answer) return;
    release = log.hold();
    // Unanswered in time: the lines go out as they are, and the alarm counts the run (a timeout's stop is not a user's).
    const late = setTimeout(() => release(), ANSWER_WAIT_MS);
    answer = read().catch((error: unknown) => {
      log.log('warning', `could not read whether a user stopped this run (${error instanceof Error ? error.message : String(error)}): the failed-runs alarm counts it`);
      return undefined;
    });
    void answer.then((line) => {
      clearTimeout(late);
      release(line ? markUserStop : undefined);
      if (line) log.log('warning', line);
    });
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
    async timeoutStop() {
      if (!timeoutAnswer) return undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ANSWER_WAIT_MS);
      });
      const reason = await Promise.race([timeoutAnswer, late]);
      clearTimeout(timer);
      return reason;
    },
    release() {
      process.off('SIGTERM', onTerm);
      // Nothing stays held past the run (a run that broke down): the lines go out as they are.
      release();
    },
  };
}

// The Schedules page: each schedule of project.yml with its expression, time zone, envs and next fire times.
import type { ScheduleView, SchedulesResponse } from '../api-types.js';
import { h } from './create-element.js';
import { formatFromNow, formatTime, formatWords } from './format-values.js';
import { emptyNote, errorBox, loadInto, projectErrorBox, type Page, type PageContext } from './page-context.js';

/** `Tue 2026-11-24 02:30` on the wall clock of the schedule's own time zone. */
function formatInZone(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The UTC time beside a local one: `01:30`, or `11-23 23:30` when the UTC date is another day. */
function formatUtcBeside(iso: string, timeZone: string): string {
  const local = formatInZone(iso, timeZone).slice(4, 14);
  const utc = formatInZone(iso, 'UTC').slice(4);
  return utc.startsWith(local) ? utc.slice(11) : utc.slice(5);
}

function fireTimes(schedule: ScheduleView, now: number): HTMLElement {
  const utc = schedule.timezone === 'UTC' || schedule.timezone === 'Etc/UTC';
  const header = utc ? ['UTC', ''] : [schedule.timezone, 'UTC', ''];
  return h(
    'table',
    { class: 'table fire-times' },
    h('thead', {}, h('tr', {}, header.map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      schedule.next.map((iso, i) =>
        h(
          'tr',
          { class: i === 0 ? 'next-first' : '', title: schedule.nextText[i] },
          h('td', { class: 'fire-time' }, formatInZone(iso, schedule.timezone)),
          utc ? null : h('td', { class: 'mono small muted nowrap' }, formatUtcBeside(iso, schedule.timezone)),
          h('td', { class: 'num muted small' }, formatFromNow(iso, now)),
        ),
      ),
    ),
  );
}

function lastFire(schedule: ScheduleView): HTMLElement | null {
  if (!schedule.deployedLocally) return null;
  const fire = schedule.lastFire;
  return h(
    'p',
    { class: 'small last-fire' },
    h('span', { class: 'tag tag-ok' }, 'deployed locally'),
    ' ',
    fire ? `last fire ${formatTime(fire.scheduledAt)}: ${formatWords(fire.outcome)}${fire.reason ? ` (${fire.reason})` : ''}` : 'not fired yet',
  );
}

/** The schedule as deployed in the provider, and (for operators) a switch to turn it on or off there. */
function deployedLine(schedule: ScheduleView, data: SchedulesResponse, context: PageContext, reload: () => void): HTMLElement | null {
  const deployed = schedule.deployed;
  if (!deployed || !data.deployment) return null;
  const where = data.deployment.provider;
  const state =
    deployed.status === 'draft'
      ? h('span', { class: 'tag tag-muted' }, `not deployed to ${where}`)
      : h('span', { class: `tag ${deployed.enabled ? 'tag-ok' : 'tag-muted'}`, 'data-deployed': deployed.enabled ? 'enabled' : 'disabled' }, `${deployed.enabled ? 'on' : 'off'} in ${where}`);
  const edited = deployed.status === 'edited' ? h('span', { class: 'tag tag-secret', title: 'deployed differently from project.yml (switched, or not deployed since project.yml changed)' }, 'differs from project.yml') : null;
  let button: HTMLButtonElement | null = null;
  if (context.canOperate && data.deployment.canToggle) {
    const enable = deployed.status === 'draft' || !deployed.enabled;
    button = h('button', { class: 'button button-quiet', 'data-action': enable ? 'enable-schedule' : 'disable-schedule', title: enable ? 'deploy it as project.yml declares it, switched on' : 'keep it deployed, switched off' }, enable ? 'Switch on' : 'Switch off');
    button.addEventListener('click', async () => {
      button!.disabled = true;
      const { status, body } = await context.api.setScheduleEnabled(schedule.targetId, enable).catch((error: Error) => ({ status: 0, body: { message: error.message } }));
      context.notify(body.message, status > 0 && status < 400 ? 'info' : 'error');
      reload();
    });
  }
  const next = deployed.enabled && deployed.next[0] ? h('span', { class: 'muted small' }, ` next there: ${formatTime(deployed.next[0])}`) : null;
  return h('p', { class: 'small deployed-line' }, state, ' ', edited, next, button ? ' ' : null, button);
}

function scheduleCard(schedule: ScheduleView, now: number, extra: HTMLElement | null): HTMLElement {
  const title = schedule.name ?? `target ${schedule.targetId}`;
  return h(
    'article',
    { class: 'card schedule-card', 'data-schedule': title },
    h(
      'header',
      { class: 'schedule-head' },
      h('h2', { class: 'card-title' }, title),
      h('span', { class: 'tag' }, `target ${schedule.targetId}`),
      schedule.enabled ? h('span', { class: 'tag tag-ok' }, 'enabled') : h('span', { class: 'tag tag-muted' }, 'disabled'),
    ),
    schedule.description ? h('p', { class: 'muted schedule-description' }, schedule.description) : null,
    h(
      'dl',
      { class: 'schedule-facts' },
      h('dt', {}, 'expression'),
      h('dd', {}, h('code', {}, schedule.cron), schedule.awsExpression && schedule.awsExpression !== schedule.cron ? h('div', { class: 'muted small mono' }, `EventBridge: ${schedule.awsExpression}`) : null),
      h('dt', {}, 'time zone'),
      h('dd', {}, schedule.timezone),
      schedule.envs.length ? [h('dt', {}, 'envs'), h('dd', {}, schedule.envs.map((e) => h('div', {}, h('code', {}, `${e.key}=${e.value}`))))] : null,
    ),
    lastFire(schedule),
    extra,
    schedule.error
      ? errorBox('This schedule cannot fire', schedule.error)
      : schedule.enabled
        ? schedule.kind === 'rate' && schedule.next.length === 0
          ? // A rate counts from its deploy: not deployed, it has no fire times yet (EventBridge fires it at once, then every interval).
            emptyNote(`Fires ${schedule.cron.replace(/^rate\(\s*(.*?)\s*\)$/i, 'every $1')} from when it is deployed: at once, then every interval.`)
          : h('div', {}, h('h3', { class: 'subhead' }, schedule.kind === 'rate' ? 'Next fire times (counted from its deploy)' : 'Next fire times'), fireTimes(schedule, now))
        : emptyNote('Disabled: it does not fire.'),
  );
}

function schedulerLine(scheduler: NonNullable<SchedulesResponse['scheduler']>): HTMLElement {
  return h(
    'p',
    { class: `scheduler-line ${scheduler.running ? 'scheduler-running' : 'scheduler-stopped'}` },
    h('b', {}, 'Local scheduler: '),
    scheduler.running ? `running (pid ${scheduler.pid}, since ${formatTime(scheduler.since)})` : h('span', {}, 'not running; ', h('code', {}, 'handoff scheduler start'), ' fires deployed schedules on this machine'),
    h('span', { class: 'muted small path' }, ` ${scheduler.home}`),
  );
}

/** The page is read again at least this often: "in N min" counts down, and the local scheduler's last fire changes. */
const REFRESH_MS = 60_000;
/** A fire time is looked at again this long after it passed (the scheduler has fired it by then, and it is past). */
const AFTER_FIRE_MS = 1_000;

/** When to read the page again: a minute from now, or just after the first of its next fire times, if sooner. */
function refreshDelay(data: SchedulesResponse): number {
  const now = Date.parse(data.now);
  const fires = data.schedules.flatMap((s) => [s.next[0], s.deployed?.next[0]]).filter((iso): iso is string => iso !== undefined).map((iso) => Date.parse(iso) - now);
  return Math.max(AFTER_FIRE_MS, Math.min(REFRESH_MS, ...fires.map((ms) => ms + AFTER_FIRE_MS)));
}

export const schedulesPage: Page = (container, context) => {
  let timer: number | undefined;
  let disposed = false;
  const render = (data: SchedulesResponse): void => {
    const now = Date.parse(data.now);
    container.replaceChildren(
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, 'Schedules'),
        h('p', { class: 'muted' }, `Next fire times as of ${formatTime(data.now)}, on each schedule's own clock.`),
        data.scheduler ? schedulerLine(data.scheduler) : null,
        data.deployment?.error ? errorBox(`The schedules deployed to ${data.deployment.provider} could not be read`, data.deployment.error) : null,
      ),
    );
    if (timer !== undefined) clearTimeout(timer);
    timer = window.setTimeout(() => void refresh(), refreshDelay(data));
    if (data.error) {
      container.append(projectErrorBox(data.error));
      return;
    }
    container.append(
      data.schedules.length
        ? h('div', { class: 'schedule-grid' }, data.schedules.map((s) => scheduleCard(s, now, deployedLine(s, data, context, reload))))
        : emptyNote('This project has no schedules: add `schedules:` to project.yml.'),
    );
  };
  /**
   * Read again in the background (a timer, project.yml changed, a scheduled run): the page stays as it is until the
   * answer comes, and one that fails leaves it so (the next timer tries again).
   */
  let reading: Promise<void> | undefined;
  const refresh = (): Promise<void> =>
    (reading ??= context.api
      .schedules()
      .then(
        (data) => {
          if (!disposed && context.isCurrent()) render(data);
        },
        () => {
          if (!disposed) timer = window.setTimeout(() => void refresh(), REFRESH_MS);
        },
      )
      .finally(() => (reading = undefined)));
  const reload = (): void => {
    if (!context.isCurrent()) return;
    void loadInto(container, context, context.api.schedules, render);
  };
  const unsubscribe = context.live.subscribe((event) => {
    if (event.type === 'project-changed' || event.type === 'resync' || (event.type === 'run' && event.run.trigger === 'schedule')) void refresh();
  });
  reload();
  return () => {
    disposed = true;
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  };
};

// The Schedules page: each schedule of project.yml with its expression, time zone, envs and next fire times.
import type { ScheduleView } from '../api-types.js';
import { api } from './api-client.js';
import { h } from './create-element.js';
import { formatFromNow, formatTime } from './format-values.js';
import { emptyNote, errorBox, loadInto, type Page } from './page-context.js';

function scheduleCard(schedule: ScheduleView, now: number): HTMLElement {
  const title = schedule.name ?? `target ${schedule.targetId}`;
  const next = schedule.next.map((iso, i) =>
    h(
      'li',
      { class: i === 0 ? 'next-first' : '' },
      h('span', { class: 'fire-time' }, formatTime(iso)),
      h('span', { class: 'muted small' }, ` ${formatFromNow(iso, now)}`),
      h('div', { class: 'muted small mono' }, schedule.nextText[i]),
    ),
  );
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
    schedule.description ? h('p', { class: 'muted' }, schedule.description) : null,
    h(
      'dl',
      { class: 'schedule-facts' },
      h('dt', {}, 'expression'),
      h('dd', {}, h('code', {}, schedule.cron), schedule.awsExpression && schedule.awsExpression !== schedule.cron ? h('span', { class: 'muted small' }, `  → ${schedule.awsExpression}`) : null),
      h('dt', {}, 'time zone'),
      h('dd', {}, schedule.timezone),
      schedule.envs.length ? [h('dt', {}, 'envs'), h('dd', {}, schedule.envs.map((e) => h('div', {}, h('code', {}, `${e.key}=${e.value}`))))] : null,
    ),
    schedule.error
      ? errorBox('This schedule cannot fire', schedule.error)
      : schedule.enabled
        ? h('div', {}, h('h3', { class: 'subhead' }, schedule.kind === 'rate' ? 'Next fire times (counted from now)' : 'Next fire times'), h('ol', { class: 'fire-times' }, next))
        : emptyNote('Disabled: it does not fire.'),
  );
}

export const schedulesPage: Page = (container, context) => {
  void loadInto(container, context, api.schedules, (data) => {
    const now = Date.parse(data.now);
    container.append(
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, 'Schedules'),
        h('p', { class: 'muted' }, `Fire times as of ${formatTime(data.now)}, in this browser's time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}); the exact UTC instant is under each.`),
        data.scheduler ? h('p', {}, `Local scheduler: ${data.scheduler.running ? 'running' : 'not running'}${data.scheduler.detail ? ` — ${data.scheduler.detail}` : ''}`) : null,
      ),
    );
    if (data.error) {
      container.append(errorBox('project.yml cannot be loaded', data.error));
      return;
    }
    container.append(data.schedules.length ? h('div', { class: 'schedule-grid' }, data.schedules.map((s) => scheduleCard(s, now))) : emptyNote('This project has no schedules: add `schedules:` to project.yml.'));
  });
};

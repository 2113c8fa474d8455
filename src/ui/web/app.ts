// The web UI's entry (bundled to dist/ui/app.js): the page shell, hash routing, "Run now", and the live connection.
import './app.css';
import type { OverviewResponse, RunSummary } from '../api-types.js';
import { api, isAccessRefused } from './api-client.js';
import { h } from './create-element.js';
import { connectLiveEvents, type LiveEvents } from './live-events.js';
import { errorBox, type Page, type PageContext } from './page-context.js';
import { adoptTokenFromUrl, pageToken } from './page-token.js';
import { projectPage } from './project-page.js';
import { runPage } from './run-page.js';
import { runsPage } from './runs-page.js';
import { schedulesPage } from './schedules-page.js';

interface Route {
  nav: 'project' | 'runs' | 'schedules';
  page: Page;
  params: string[];
}

function matchRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts[1]) return { nav: 'runs', page: runPage, params: [parts.slice(1).join('/')] };
  if (parts[0] === 'runs') return { nav: 'runs', page: runsPage, params: [] };
  if (parts[0] === 'schedules') return { nav: 'schedules', page: schedulesPage, params: [] };
  return { nav: 'project', page: projectPage, params: [] };
}

function createNotices(): { element: HTMLElement; notify: PageContext['notify'] } {
  const element = h('div', { class: 'notices', 'aria-live': 'polite' });
  return {
    element,
    notify(message, kind = 'info', link) {
      const close = h('button', { class: 'notice-close', 'aria-label': 'dismiss', onclick: () => notice.remove() }, '×');
      const notice = h('div', { class: `notice notice-${kind}` }, h('pre', {}, message), link ? h('a', { href: link.href, onclick: () => notice.remove() }, link.text) : null, close);
      element.append(notice);
      if (kind === 'info') setTimeout(() => notice.remove(), 6000);
    },
  };
}

function createRunButton(overview: OverviewResponse, notify: PageContext['notify']): HTMLButtonElement {
  const button = h('button', { class: 'button button-primary run-now', 'data-action': 'run-now', title: overview.readOnlyReason ?? `handoff run local -s ${overview.stage}` }, '▶ Run now');
  if (!overview.canStartRuns) {
    button.disabled = true;
    return button;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Starting…';
    try {
      const { status, body } = await api.startRun();
      if (status === 201 && body.runId) location.hash = `#/runs/${encodeURIComponent(body.runId)}`;
      else if (status === 409 && body.runId) notify(body.message, 'info', { href: `#/runs/${encodeURIComponent(body.runId)}`, text: 'see it' });
      else if (status === 409) notify(body.message, 'info');
      else if (status === 202) notify('The run is starting; it appears on the Runs page in a moment.', 'info', { href: '#/runs', text: 'Runs' });
      else notify(`The run did not start:\n${body.message}`, 'error');
    } catch (error) {
      notify(`The run did not start: ${(error as Error).message}`, 'error');
    } finally {
      button.disabled = false;
      button.textContent = '▶ Run now';
    }
  });
  return button;
}

/** "● 1 running" in the header, kept from the event stream. */
function createRunningIndicator(live: LiveEvents): HTMLElement {
  const element = h('a', { class: 'running-indicator', hidden: true });
  const running = new Map<string, RunSummary>();
  const draw = (): void => {
    const newest = [...running.keys()].sort().pop();
    element.hidden = !newest;
    if (!newest) return;
    element.setAttribute('href', `#/runs/${encodeURIComponent(newest)}`);
    element.textContent = `${running.size} running`;
  };
  const reload = (): void => {
    void api.runs(0, 20).then((page) => {
      running.clear();
      for (const run of page.runs) if (run.status === 'running') running.set(run.runId, run);
      draw();
    });
  };
  live.subscribe((event) => {
    if (event.type === 'run') {
      if (event.run.status === 'running') running.set(event.run.runId, event.run);
      else running.delete(event.run.runId);
    } else if (event.type === 'removed') running.delete(event.runId);
    else if (event.type === 'resync') return reload();
    else return;
    draw();
  });
  reload();
  return element;
}

const OPEN_PRINTED_URL = 'open the whole URL that `handoff ui` printed in its terminal (it ends with #token=…)';

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  adoptTokenFromUrl();
  // A newly printed URL pasted into a tab already showing this page changes only the fragment: start again with it.
  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#token=')) return;
    adoptTokenFromUrl();
    location.reload();
  });
  if (!pageToken()) {
    root.replaceChildren(errorBox('Access token needed', 'This page needs the access token of the `handoff ui` that serves it.', OPEN_PRINTED_URL));
    return;
  }
  let overview: OverviewResponse;
  try {
    overview = await api.overview();
  } catch (error) {
    if (isAccessRefused(error)) root.replaceChildren(errorBox('Access refused', (error as Error).message, OPEN_PRINTED_URL));
    else root.replaceChildren(errorBox('The handoff UI server cannot be reached', (error as Error).message, 'restart `handoff ui` and open the URL it prints'));
    return;
  }
  document.title = `${overview.projectName} · handoff`;
  const live = connectLiveEvents();
  const { element: notices, notify } = createNotices();
  const links = (['project', 'runs', 'schedules'] as const).map((nav) => h('a', { href: `#/${nav}`, class: 'nav-link', 'data-nav': nav }, nav[0].toUpperCase() + nav.slice(1)));
  const connection = h('span', { class: 'connection', title: 'live updates' });
  live.onConnection((connected) => {
    connection.className = `connection ${connected ? 'connected' : 'disconnected'}`;
    connection.title = connected ? 'live updates on' : 'reconnecting to handoff ui…';
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'topbar-inner' },
      h('a', { class: 'brand', href: '#/project' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'handoff'),
      h('span', { class: 'project-name', title: overview.projectDir }, overview.projectName),
      h('span', { class: 'tag stage-tag', title: 'stage' }, overview.stage),
      h('nav', { class: 'nav' }, links),
      h('div', { class: 'topbar-right' }, createRunningIndicator(live), connection, createRunButton(overview, notify)),
    ),
  );
  const main = h('main', { class: 'main' });
  root.replaceChildren(header, main, notices);

  let dispose: (() => void) | void;
  let generation = 0;
  const show = (): void => {
    dispose?.();
    const route = matchRoute(location.hash);
    const mine = ++generation;
    for (const link of links) link.classList.toggle('active', link.dataset.nav === route.nav);
    main.replaceChildren();
    window.scrollTo(0, 0);
    const context: PageContext = { overview, live, notify, isCurrent: () => mine === generation };
    dispose = route.page(main, context, route.params);
  };
  window.addEventListener('hashchange', show);
  show();
}

void boot();

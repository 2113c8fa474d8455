// The web UI's entry (bundled to dist/ui/app.js): the page shell, hash routing, "Run now", and the live connection —
// for the local one-person UI (one project, the printed token) and for the team server (sign-in, many projects,
// roles, the admin pages).
import './app.css';
import type { OverviewResponse, RunSummary, SessionResponse } from '../api-types.js';
import { ApiError, createProjectApi, isAccessRefused, serverApi, setSession, type ProjectApi } from './api-client.js';
import { showAdminPage } from './admin-page.js';
import { h } from './create-element.js';
import { jobPage } from './job-page.js';
import { connectLiveEvents, type LiveEvents } from './live-events.js';
import { showLoginPage } from './login-page.js';
import { errorBox, type Page, type PageContext } from './page-context.js';
import { adoptTokenFromUrl, pageToken } from './page-token.js';
import { projectPage } from './project-page.js';
import { showProjectsPage } from './projects-page.js';
import { runPage } from './run-page.js';
import { runsPage } from './runs-page.js';
import { schedulesPage } from './schedules-page.js';

type Nav = 'project' | 'runs' | 'schedules';

interface Route {
  nav: Nav;
  page: Page;
  params: string[];
}

/** A project's pages, from the part of the hash after the project (`runs/<id>`, `schedules`, …). */
function matchProjectRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts[1]) return { nav: 'runs', page: runPage, params: [parts.slice(1).join('/')] };
  if (parts[0] === 'runs') return { nav: 'runs', page: runsPage, params: [] };
  if (parts[0] === 'jobs' && parts[1]) return { nav: 'runs', page: jobPage, params: [parts.slice(1).join('/')] };
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

function createRunButton(overview: OverviewResponse, api: ProjectApi, href: (path: string) => string, notify: PageContext['notify']): HTMLButtonElement {
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
      if (status === 201 && body.runId) location.hash = href(`runs/${encodeURIComponent(body.runId)}`);
      else if (status === 409 && body.runId) notify(body.message, 'info', { href: href(`runs/${encodeURIComponent(body.runId)}`), text: 'see it' });
      else if (status === 409) notify(body.message, 'info');
      else if (status === 202) notify('The run is starting; it appears on the Runs page in a moment.', 'info', { href: href('runs'), text: 'Runs' });
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

/** "Run in the cloud" (team server, operators, projects with a provider): starts a job and opens its page. */
function createCloudRunButton(overview: OverviewResponse, api: ProjectApi, href: (path: string) => string, notify: PageContext['notify']): HTMLButtonElement | null {
  const cloud = overview.cloud;
  if (!cloud) return null;
  const where = cloud.provider === 'local' ? 'as a background job of the local provider' : `in ${cloud.provider}`;
  const button = h('button', { class: 'button run-cloud', 'data-action': 'run-cloud', title: cloud.problem ?? `start a job of ${cloud.resourceGroup}/${cloud.task} ${where}` }, '☁ Cloud run');
  if (!cloud.canStartRuns) {
    button.disabled = true;
    return button;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { status, body } = await api.startCloudRun();
      if (status === 201 && body.job) location.hash = href(`jobs/${encodeURIComponent(body.job.id)}`);
      else notify(`The cloud run did not start:\n${body.message}`, 'error');
    } catch (error) {
      notify(`The cloud run did not start: ${(error as Error).message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * The header's run buttons; drawn again (`draw`) from a fresh overview when project.yml changes: a project fixed while
 * the page is open can run again, and one broken meanwhile says why it cannot.
 */
function createRunButtons(first: OverviewResponse, api: ProjectApi, href: (path: string) => string, notify: PageContext['notify'], options: { cloud: boolean }): { element: HTMLElement; draw: (overview: OverviewResponse) => void } {
  const element = h('span', { class: 'run-buttons' });
  const draw = (overview: OverviewResponse): void => {
    element.replaceChildren(...(options.cloud ? [createCloudRunButton(overview, api, href, notify) ?? ''] : []), createRunButton(overview, api, href, notify));
  };
  draw(first);
  return { element, draw };
}

/**
 * Reads the overview again when project.yml changes (or the stream reconnects), for the header: its project name and
 * tab title for everyone (a viewer, who has no run buttons, too), the run buttons for whoever has them. Only the
 * newest answer counts.
 */
function followOverview(api: ProjectApi, live: LiveEvents, onOverview: (overview: OverviewResponse) => void): void {
  let asked = 0;
  live.subscribe((event) => {
    if (event.type !== 'project-changed' && event.type !== 'resync') return;
    const mine = ++asked;
    void api.overview().then(
      (overview) => {
        if (mine === asked) onOverview(overview);
      },
      () => undefined,
    );
  });
}

/** "● 1 running" in the header, kept from the event stream. */
function createRunningIndicator(live: LiveEvents, api: ProjectApi, href: (path: string) => string): HTMLElement {
  const element = h('a', { class: 'running-indicator', hidden: true });
  const running = new Map<string, RunSummary>();
  const draw = (): void => {
    const newest = [...running.keys()].sort().pop();
    element.hidden = !newest;
    if (!newest) return;
    element.setAttribute('href', href(`runs/${encodeURIComponent(newest)}`));
    element.textContent = `${running.size} running`;
  };
  const reload = (): void => {
    void api.runs(0, 20).then((page) => {
      running.clear();
      for (const run of page.runs) if (run.status === 'running' && run.where !== 'cloud') running.set(run.runId, run);
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

/** The header's project name and the tab's title, from an overview read again (project.yml renamed the project). */
function showProjectName(element: HTMLElement, overview: OverviewResponse): void {
  element.textContent = overview.projectName;
  element.title = overview.projectDir;
  document.title = `${overview.projectName} · handoff`;
}

/**
 * Beside the header's name (then only the folder's) while project.yml is refused: "broken", its first problem in the
 * tooltip, a link to the Project page that lists them all; gone once it loads again.
 */
function createBrokenMark(first: OverviewResponse, href: (path: string) => string): { element: HTMLElement; draw: (overview: OverviewResponse) => void } {
  const element = h('a', { class: 'tag tag-failed broken-mark', href: href('project'), hidden: true });
  const draw = (overview: OverviewResponse): void => {
    const problem = overview.problem;
    element.hidden = !problem;
    element.textContent = problem ? `broken: ${problem.count} problem${problem.count === 1 ? '' : 's'}` : '';
    element.title = problem ? `project.yml is refused; the first problem: ${problem.first}` : '';
  };
  draw(first);
  return { element, draw };
}

function connectionDot(live: LiveEvents, what: string): HTMLElement {
  const connection = h('span', { class: 'connection', title: 'live updates' });
  live.onConnection((connected) => {
    connection.className = `connection ${connected ? 'connected' : 'disconnected'}`;
    connection.title = connected ? 'live updates on' : `reconnecting to ${what}…`;
  });
  return connection;
}

const OPEN_PRINTED_URL = 'open the whole URL that `handoff ui` printed in its terminal (it ends with #token=…)';

/** The local one-person UI: one project under /api, the token from the printed URL. */
async function bootLocal(root: HTMLElement): Promise<void> {
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
  const api = createProjectApi('/api');
  let overview: OverviewResponse;
  try {
    overview = await api.overview();
  } catch (error) {
    if (isAccessRefused(error)) root.replaceChildren(errorBox('Access refused', (error as Error).message, OPEN_PRINTED_URL));
    else root.replaceChildren(errorBox('The handoff UI server cannot be reached', (error as Error).message, 'restart `handoff ui` and open the URL it prints'));
    return;
  }
  document.title = `${overview.projectName} · handoff`;
  const { element: notices, notify } = createNotices();
  let lost = false;
  /**
   * The event stream was refused, so the browser stops reconnecting. After a restart of `handoff ui` with another
   * token (--new-token, another HANDOFF_HOME) nothing this page shows is kept live any more: it gives way to what to do
   * rather than a frozen picture. (A plain restart keeps the token: the stream reconnects by itself.)
   */
  const gaveUp = (): void => {
    void api.overview().then(
      () => notify('Live updates stopped: the server refused the event stream. Reload the page to get them back.', 'error'),
      (error: unknown) => {
        if (lost) return;
        lost = true;
        dispose?.();
        window.removeEventListener('hashchange', show);
        live.close();
        if (isAccessRefused(error)) {
          root.replaceChildren(errorBox('This `handoff ui` was restarted', 'The server no longer takes this page\'s access token: `handoff ui` was restarted with another token (--new-token, or another HANDOFF_HOME), so this page cannot show live runs any more. Runs it started go on.', OPEN_PRINTED_URL));
        } else {
          root.replaceChildren(errorBox('The handoff UI server cannot be reached', (error as Error).message, 'restart `handoff ui` and open the URL it prints'));
        }
      },
    );
  };
  const live = connectLiveEvents(api.eventsUrl(), gaveUp);
  const href = (path: string): string => `#/${path}`;
  const projectName = h('span', { class: 'project-name', title: overview.projectDir }, overview.projectName);
  const brokenMark = createBrokenMark(overview, href);
  const runButtons = createRunButtons(overview, api, href, notify, { cloud: false });
  followOverview(api, live, (fresh) => {
    overview = fresh;
    showProjectName(projectName, fresh);
    brokenMark.draw(fresh);
    runButtons.draw(fresh);
  });
  const links = (['project', 'runs', 'schedules'] as const).map((nav) => h('a', { href: href(nav), class: 'nav-link', 'data-nav': nav }, nav[0].toUpperCase() + nav.slice(1)));
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'topbar-inner' },
      h('a', { class: 'brand', href: '#/project' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'handoff'),
      projectName,
      brokenMark.element,
      h('span', { class: 'tag stage-tag', title: 'stage' }, overview.stage),
      h('nav', { class: 'nav' }, links),
      h(
        'div',
        { class: 'topbar-right' },
        createRunningIndicator(live, api, href),
        connectionDot(live, 'handoff ui'),
        runButtons.element,
      ),
    ),
  );
  const main = h('main', { class: 'main' });
  root.replaceChildren(header, main, notices);

  let dispose: (() => void) | void;
  let generation = 0;
  function show(): void {
    if (lost) return;
    dispose?.();
    const route = matchProjectRoute(location.hash.replace(/^#\/?/, ''));
    const mine = ++generation;
    for (const link of links) link.classList.toggle('active', link.dataset.nav === route.nav);
    main.replaceChildren();
    window.scrollTo(0, 0);
    const context: PageContext = {
      // The overview as last read (project.yml changes it: the name, Run now), not as it was when the page opened.
      get overview() {
        return overview;
      },
      live,
      api,
      href,
      canOperate: true,
      notify,
      isCurrent: () => mine === generation,
    };
    dispose = route.page(main, context, route.params);
  }
  window.addEventListener('hashchange', show);
  show();
}

/** The team server: sign in (or the token in token mode), then the project list, each project's pages, and the admin pages. */
async function bootTeam(root: HTMLElement, reason?: string): Promise<void> {
  adoptTokenFromUrl();
  let session: SessionResponse;
  try {
    const answer = await serverApi.session();
    if (answer.status === 401 && answer.body.reason === 'token') {
      root.replaceChildren(errorBox('Access token needed', answer.body.message ?? '', 'open the whole URL that `handoff ui serve` printed (it ends with #token=…)'));
      return;
    }
    if (answer.status === 401 || answer.status === 403) {
      if (answer.body.reason === 'no-account') {
        root.replaceChildren(errorBox('No account', answer.body.message ?? ''));
        return;
      }
      setSession(undefined);
      showLoginPage(root, { reason: reason ?? answer.body.reason, signedIn: () => void bootTeam(root) });
      return;
    }
    if (answer.status !== 200) throw new ApiError(answer.status, answer.body.message ?? `HTTP ${answer.status}`);
    session = answer.body;
  } catch (error) {
    root.replaceChildren(errorBox('The handoff UI server cannot be reached', (error as Error).message, 'check that `handoff ui serve` runs, then reload'));
    return;
  }
  const teardown: Array<() => void> = [];
  let ended = false;
  const signedOut = (why: string): void => {
    if (ended) return;
    ended = true;
    for (const undo of teardown) undo();
    setSession(undefined);
    showLoginPage(root, { reason: why, signedIn: () => void bootTeam(root) });
  };
  setSession(session, (why) => signedOut(why));
  const canOperate = session.role === 'operator' || session.role === 'admin';
  const isAdmin = session.role === 'admin';
  const { element: notices, notify } = createNotices();

  /** A refused event stream (session ended meanwhile): ask whether we are still signed in. */
  const checkSession = (): void => {
    void serverApi.session().then((answer) => {
      if (answer.status === 401) signedOut(answer.body.reason ?? 'expired');
    });
  };
  const serverLive = connectLiveEvents(serverApi.eventsUrl(), checkSession);
  teardown.push(() => serverLive.close());

  const projectSlot = h('div', { class: 'topbar-project' });
  // One dot of live updates: the server's on the project list and admin pages, the project's inside a project.
  const serverDot = connectionDot(serverLive, 'the server');
  const rightSlot = h('div', { class: 'topbar-actions' });
  const signOut = h('button', { class: 'button button-quiet', 'data-action': 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await serverApi.logout().catch(() => undefined);
    signedOut('signed-out-now');
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'topbar-inner' },
      h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'handoff'),
      h('nav', { class: 'nav nav-server' }, h('a', { href: '#/', class: 'nav-link', 'data-nav': 'projects' }, 'Projects'), isAdmin ? h('a', { href: '#/admin', class: 'nav-link', 'data-nav': 'admin' }, 'Admin') : null),
      projectSlot,
      h(
        'div',
        { class: 'topbar-right' },
        rightSlot,
        serverDot,
        h('span', { class: 'user-badge', 'data-user': session.user, 'data-role': session.role, title: `signed in ${session.via === 'proxy' ? 'through the sign-on proxy' : session.via === 'token' ? 'with the access token' : 'with a password'}` }, session.user, h('span', { class: 'tag role-tag' }, session.role)),
        session.via === 'token' ? null : signOut,
      ),
    ),
  );
  const main = h('main', { class: 'main' });
  root.replaceChildren(header, main, notices);

  /** The project being shown: its API, overview and live events, kept while the user stays in it. */
  let current: { id: string; api: ProjectApi; overview: OverviewResponse; live: LiveEvents; links: HTMLElement[] } | undefined;
  const leaveProject = (): void => {
    current?.live.close();
    current = undefined;
    projectSlot.replaceChildren();
    rightSlot.replaceChildren();
    serverDot.hidden = false;
  };
  teardown.push(leaveProject);

  const enterProject = async (id: string): Promise<typeof current> => {
    if (current?.id === id) return current;
    leaveProject();
    const api = createProjectApi(`/api/projects/${encodeURIComponent(id)}`);
    const overview = await api.overview();
    const live = connectLiveEvents(api.eventsUrl(), checkSession);
    const href = (path: string): string => `#/p/${encodeURIComponent(id)}/${path}`;
    const links = (['project', 'runs', 'schedules'] as const).map((nav) => h('a', { href: href(nav), class: 'nav-link', 'data-nav': nav }, nav[0].toUpperCase() + nav.slice(1)));
    const projectName = h('span', { class: 'project-name', title: overview.projectDir }, overview.projectName);
    const brokenMark = createBrokenMark(overview, href);
    const runButtons = canOperate ? createRunButtons(overview, api, href, notify, { cloud: true }) : undefined;
    projectSlot.replaceChildren(
      projectName,
      brokenMark.element,
      h('span', { class: 'tag stage-tag', title: 'stage' }, overview.stage),
      h('nav', { class: 'nav' }, links),
    );
    rightSlot.replaceChildren(
      createRunningIndicator(live, api, href),
      connectionDot(live, 'the server'),
      // Viewers get no buttons they could not use (the server refuses them in any case).
      runButtons?.element ?? '',
    );
    // The header's name follows project.yml for every role, not only for those with run buttons.
    followOverview(api, live, (fresh) => {
      if (current?.id !== id) return;
      current.overview = fresh;
      showProjectName(projectName, fresh);
      brokenMark.draw(fresh);
      runButtons?.draw(fresh);
    });
    serverDot.hidden = true;
    current = { id, api, overview, live, links };
    return current;
  };

  let dispose: (() => void) | void;
  let generation = 0;
  const show = async (): Promise<void> => {
    if (ended) return;
    dispose?.();
    dispose = undefined;
    const mine = ++generation;
    const path = location.hash.replace(/^#\/?/, '');
    const parts = path.split('/');
    main.replaceChildren();
    window.scrollTo(0, 0);
    for (const link of header.querySelectorAll<HTMLElement>('.nav-server .nav-link')) link.classList.toggle('active', (link.dataset.nav === 'admin') === (parts[0] === 'admin') && (parts[0] === 'admin' || parts[0] !== 'p'));
    if (parts[0] === 'p' && parts[1]) {
      const id = decodeURIComponent(parts[1]);
      let project;
      try {
        project = await enterProject(id);
      } catch (error) {
        if (mine !== generation) return;
        main.replaceChildren(errorBox(`Could not open project ${id}`, (error as Error).message), h('p', {}, h('a', { href: '#/' }, '← Projects')));
        return;
      }
      if (mine !== generation || !project) return;
      const route = matchProjectRoute(parts.slice(2).join('/'));
      for (const link of project.links) link.classList.toggle('active', link.dataset.nav === route.nav);
      document.title = `${project.overview.projectName} · handoff`;
      const context: PageContext = {
        overview: project.overview,
        live: project.live,
        api: project.api,
        href: (p) => `#/p/${encodeURIComponent(id)}/${p}`,
        canOperate,
        user: { name: session.user, role: session.role },
        notify,
        isCurrent: () => mine === generation,
      };
      dispose = route.page(main, context, route.params);
      return;
    }
    leaveProject();
    if (parts[0] === 'admin' && isAdmin) {
      document.title = 'Admin · handoff';
      showAdminPage(main, { notify, self: session.user });
      return;
    }
    document.title = 'Projects · handoff';
    dispose = showProjectsPage(main, serverLive);
  };
  const onHash = (): void => void show();
  window.addEventListener('hashchange', onHash);
  teardown.push(() => {
    window.removeEventListener('hashchange', onHash);
    dispose?.();
  });
  await show();
}

function boot(): void {
  const root = document.getElementById('app')!;
  if (document.body.dataset.mode === 'team') {
    void bootTeam(root);
    return;
  }
  adoptTokenFromUrl();
  void bootLocal(root);
}

boot();

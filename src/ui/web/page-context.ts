// What every page gets from the app shell: the overview, live events, navigation, notices and shared bits of markup.
import { formatDiagnostic } from '../../errors.js';
import type { OverviewResponse, ProjectLoadError, Role } from '../api-types.js';
import type { ProjectApi } from './api-client.js';
import { h } from './create-element.js';
import { formatWords } from './format-values.js';
import type { LiveEvents } from './live-events.js';

export interface PageContext {
  overview: OverviewResponse;
  live: LiveEvents;
  /** The project's API (its base path differs between the local UI and the team server). */
  api: ProjectApi;
  /** A link inside the project: `runs/<id>` → `#/runs/<id>` (local) or `#/p/<project>/runs/<id>` (team server). */
  href(path: string): string;
  /** Whether the signed-in role may run and stop (the local UI's token holder may; the server checks either way). */
  canOperate: boolean;
  /** The team server's signed-in user, if any. */
  user?: { name: string; role: Role };
  /** False once the user has moved to another page: late answers must not draw into it. */
  isCurrent(): boolean;
  notify(message: string, kind?: 'info' | 'error', link?: { href: string; text: string }): void;
}

/** A page draws into its container and returns what to undo when the user leaves it. */
export type Page = (container: HTMLElement, context: PageContext, params: string[]) => (() => void) | void;

export function statusBadge(status: string, extra?: string): HTMLElement {
  return h('span', { class: `status status-${status}`, title: extra }, formatWords(status));
}

type CardChild = Node | string | null | false | undefined | CardChild[];

export function sectionCard(title: string | Node, ...children: CardChild[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', { class: 'card-title' }, title), ...children);
}

export function emptyNote(text: string): HTMLElement {
  return h('p', { class: 'empty' }, text);
}

export function errorBox(title: string, message: string, fix?: string): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, title), h('pre', {}, message), fix ? h('p', {}, h('b', {}, 'Fix: '), fix) : null);
}

/** Why project.yml cannot be loaded, each problem located as the CLI writes it (`file:line:col: key.path: message`). */
export function projectErrorBox(error: ProjectLoadError | undefined): HTMLElement {
  return errorBox('project.yml cannot be loaded', [error?.message ?? 'unknown error', ...(error?.diagnostics ?? []).map(formatDiagnostic)].join('\n'), error?.fix);
}

/** Shows "Loading…" until the first answer arrives, and the error if it fails. */
export async function loadInto<T>(container: HTMLElement, context: PageContext, load: () => Promise<T>, draw: (data: T) => void): Promise<void> {
  container.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    const data = await load();
    if (!context.isCurrent()) return;
    container.replaceChildren();
    draw(data);
  } catch (error) {
    if (!context.isCurrent()) return;
    container.replaceChildren(errorBox('Could not load this page', (error as Error).message));
  }
}

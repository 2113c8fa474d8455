// The page's access token: taken from the URL's fragment (`#token=…`, which the browser sends to no server), then kept
// in this origin's localStorage. Unlike cookies, storage is separated by port: no other local web app can read it.
const STORAGE_KEY = 'handoff-ui-token';

/** When storage is unavailable (disabled by the user), the token lives as long as the page. */
let inMemory: string | undefined;

/** Moves a token from the address bar into storage, and the address bar back to a plain page route. */
export function adoptTokenFromUrl(): void {
  const match = /^#token=([\w-]+)$/.exec(location.hash);
  if (!match) return;
  inMemory = match[1];
  try {
    localStorage.setItem(STORAGE_KEY, match[1]);
  } catch {
    // Storage is off: this tab keeps the token in memory.
  }
  // Out of the address bar and the history entry, so it is not shared with a copied link or a screenshot.
  history.replaceState(null, '', `${location.pathname}#/project`);
}

export function pageToken(): string | undefined {
  if (inMemory) return inMemory;
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

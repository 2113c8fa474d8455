// Whether an endpoint URL is on this machine's loopback: an emulator there, which a container reaches only through the host's network.

/** True for `localhost`, `127.x.x.x` and `::1` (a host name, not a URL: no brackets). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for a URL whose host is `localhost`, `127.x.x.x` or `[::1]`; false for anything else, a missing URL or one that does not parse. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return isLoopbackHost(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

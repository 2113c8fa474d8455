// Which failed calls never reached the cloud: the system error code of a refused, unresolved or dropped connection.

const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH/;

/**
 * The system error code of a failed connection, wherever the library put it: the error's `code`, its message, or a
 * cause a few levels down (undici's `fetch failed` keeps it in `cause.code`).
 */
export function findNetworkCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown; message?: string } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    const found = NETWORK.exec(`${typeof e.code === 'string' ? e.code : ''} ${e.message ?? ''}`)?.[0];
    if (found) return found;
  }
  return undefined;
}

// Single sign-on through a trusted reverse proxy (oauth2-proxy and the like): the user name in a header it sets is
// believed only on connections from the proxy addresses configured; from anywhere else the header is ignored.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Role } from '../api-types.js';

export interface ProxyAuthConfig {
  /** The header with the signed-in user's name, e.g. X-Forwarded-User or X-Auth-Request-Email. */
  header: string;
  /** Addresses or CIDR ranges of the proxy (`127.0.0.1`, `10.0.0.0/8`, `::1`). */
  trustedProxies: string[];
  /** The role of a proxy user without an account of that name; absent: such users are refused. */
  defaultRole?: Role;
}

export interface ProxyTrust {
  /** Whether the connection comes from a configured proxy. */
  isTrusted(address: string | undefined): boolean;
  /** The user the proxy names, when the request came through it with the header. */
  userOf(req: IncomingMessage): string | undefined;
  /** Whether the request carries the header although it did not come from a trusted proxy. */
  hasUntrustedHeader(req: IncomingMessage): boolean;
}

/** `10.0.0.0/8` → a subnet; `10.1.2.3` → one address; IPv4 addresses also match their IPv4-mapped IPv6 form. */
export function createBlockList(entries: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits !== undefined) list.addSubnet(address, Number(bits), family);
    else list.addAddress(address, family);
  }
  return list;
}

/** Whether `entry` is an address or a CIDR range the block list takes; the config loader reports the others. */
export function isAddressOrRange(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !net.isIP(address)) return false;
  if (bits === undefined) return true;
  const max = net.isIPv6(address) ? 128 : 32;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}

function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: net.isIPv6(address) ? 'ipv6' : 'ipv4' };
}

export function createProxyTrust(config: ProxyAuthConfig | undefined): ProxyTrust {
  const list = createBlockList(config?.trustedProxies ?? []);
  const header = config?.header.toLowerCase();
  const isTrusted = (address: string | undefined): boolean => {
    if (!config || !address) return false;
    const normalized = normalizeAddress(address);
    return list.check(normalized.address, normalized.family);
  };
  const headerValue = (req: IncomingMessage): string | undefined => {
    if (!header) return undefined;
    const value = req.headers[header];
    const text = Array.isArray(value) ? value[0] : value;
    return text?.trim() || undefined;
  };
  return {
    isTrusted,
    userOf: (req) => (isTrusted(req.socket.remoteAddress) ? headerValue(req) : undefined),
    hasUntrustedHeader: (req) => headerValue(req) !== undefined && !isTrusted(req.socket.remoteAddress),
  };
}

/**
 * Where a request comes from, for the audit log: the connection's address, or behind a trusted proxy the nearest
 * address in X-Forwarded-For that is not itself a trusted proxy (the ones further left could be made up by the client).
 */
export function clientAddressOf(req: IncomingMessage, trust: ProxyTrust): string {
  const direct = normalizeAddress(req.socket.remoteAddress ?? 'unknown').address;
  if (!trust.isTrusted(req.socket.remoteAddress)) return direct;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = forwarded.length - 1; i >= 0; i--) {
    if (!trust.isTrusted(forwarded[i])) return net.isIP(forwarded[i]) ? forwarded[i] : direct;
  }
  return direct;
}

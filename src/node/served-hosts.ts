/**
 * The names a page server answers to, as a request's Host header gives them. A browser sends the
 * name it resolved, so a page on another site whose name was made to resolve to this machine (DNS
 * rebinding) says so, and is refused. Loopback names and addresses are always served; a server on
 * every address also serves this machine's own addresses (those `serve` prints); one on a given
 * address also serves that address.
 */
import { networkInterfaces } from 'node:os';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/** The host name of a Host header, lower-case, without its port or an IPv6 address's brackets; '' when there is none. */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(1, end);
  }
  const colon = value.lastIndexOf(':');
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

/** The names a server listening on `host` serves. */
export function hostsServed(host: string): Set<string> {
  const names = new Set(LOOPBACK);
  if (host === '0.0.0.0' || host === '::') {
    for (const a of Object.values(networkInterfaces()).flat()) {
      if (a) names.add(a.address.toLowerCase());
    }
  } else {
    names.add(host.toLowerCase());
  }
  return names;
}

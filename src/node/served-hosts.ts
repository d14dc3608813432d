/**
 * The host rules of the page server, in one place. The names it answers to, as a request's Host
 * header gives them: a browser sends the name it resolved, so a page on another site whose name
 * was made to resolve to this machine (DNS rebinding) says so, and is refused. Loopback names and
 * addresses are always served; a server on every address also serves this machine's own
 * addresses (among them those `serve` prints); one on a given address also serves that address.
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

/** Whether `host` (a --host value) is this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.includes(host.toLowerCase());
}

/** Whether a server on `host` listens on every address of this machine. */
export function listensEverywhere(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** The names a server listening on `host` serves. */
export function hostsServed(host: string): Set<string> {
  const names = new Set(LOOPBACK);
  if (listensEverywhere(host)) {
    for (const a of Object.values(networkInterfaces()).flat()) {
      if (a) names.add(a.address.toLowerCase());
    }
  } else {
    names.add(host.toLowerCase());
  }
  return names;
}

/** The URL a server on `host` and `port` gives for itself: localhost for every address, an IPv6 address in brackets. */
export function serverUrl(host: string, port: number): string {
  const shown = listensEverywhere(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

/** The URLs other machines reach a server listening on every address at (IPv4, not loopback). */
export function networkUrls(port: number): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal).map((a) => `http://${a!.address}:${port}/`);
}

// A function's `allowedHosts`: the origins its outbound requests may reach. An entry is an origin with optional
// wildcards: "https://api.example.com", "https://*.example.com" (any subdomain, not the apex), "http://127.0.0.1:*"
// (any port). No path, query or credentials.

export interface AllowedOrigin {
  scheme: 'http:' | 'https:';
  /** Lower-case; IPv6 in brackets, as URL.hostname gives it. */
  host: string;
  /** Matches any subdomain of `host`. */
  wildcardHost: boolean;
  /** null = any port. */
  port: number | null;
}

const ENTRY_RE = /^(https?):\/\/(\*\.)?([^/:?#@*[\]]+|\[[0-9a-fA-F:.]+\])(?::(\*|[0-9]{1,5}))?\/?$/;

/** The parsed entry, or a reason it is not one. */
export function parseAllowedHost(entry: string): AllowedOrigin | string {
  const m = ENTRY_RE.exec(entry);
  if (!m) return `"${entry.slice(0, 100)}" is not an origin like https://api.example.com, https://*.example.com or http://127.0.0.1:*`;
  const scheme = `${m[1]}:` as AllowedOrigin['scheme'];
  let host: string;
  try {
    host = new URL(`${scheme}//${m[3]}`).hostname;
  } catch {
    return `"${entry.slice(0, 100)}" has an invalid host`;
  }
  const port = m[4] === undefined ? defaultPort(scheme) : m[4] === '*' ? null : Number(m[4]);
  if (port !== null && (port < 1 || port > 65535)) return `"${entry.slice(0, 100)}" has an invalid port`;
  return { scheme, host, wildcardHost: m[2] !== undefined, port };
}

export function defaultPort(scheme: string): number {
  return scheme === 'https:' ? 443 : 80;
}

/** The entry a URL's origin matches, or null. */
export function matchOrigin(allowed: readonly AllowedOrigin[], url: URL): AllowedOrigin | null {
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  const host = url.hostname.toLowerCase();
  for (const a of allowed) {
    if (a.scheme !== url.protocol) continue;
    if (a.port !== null && a.port !== port) continue;
    if (a.wildcardHost ? host.endsWith(`.${a.host}`) : host === a.host) return a;
  }
  return null;
}

/**
 * The refusals of Go's net/url.Parse, which Helm meets reading a values path (pkg/cli/values
 * readFile: every `-f` and `--set-file` path is parsed as a URL first; a parse error fails the
 * command, an http, https or oci URL is downloaded, anything else is read as a local file). The
 * words are Go's, but for some refusals of a bracketed IP literal (Go names ParseAddr's reason).
 */
import { lazyRequire } from '../lazy.js';

/** node:net only for a bracketed IP literal: a CLI writing to a file has not loaded it (2 ms). */
const net = lazyRequire<typeof import('node:net')>('node:net');

/** What url.Parse refuses in `raw`, in Go's words; undefined when it parses. */
export function urlParseError(raw: string): string | undefined {
  const hash = raw.indexOf('#');
  const target = hash < 0 ? raw : raw.slice(0, hash);
  // Only the part before the fragment is held to this.
  if (/[\x00-\x1f\x7f]/.test(target)) return 'net/url: invalid control character in URL';
  const scheme = urlScheme(target);
  if (scheme === undefined) return 'missing protocol scheme';
  let rest = target.slice(scheme === '' ? 0 : scheme.length + 1);
  // The query is cut off unchecked.
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  const fragmentError = hash < 0 ? undefined : escapeError(raw.slice(hash + 1));
  // scheme:opaque is taken as it is.
  if (scheme !== '' && !rest.startsWith('/')) return fragmentError;
  const slash = rest.indexOf('/');
  if (scheme === '' && (slash < 0 ? rest : rest.slice(0, slash)).includes(':')) return 'first path segment in URL cannot contain colon';
  // An authority after `//` (with a scheme, or `//` but not `///` without one): user, host, port.
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const end = rest.indexOf('/', 2);
    const authorityError = authorityErrorOf(end < 0 ? rest.slice(2) : rest.slice(2, end));
    if (authorityError !== undefined) return authorityError;
    rest = end < 0 ? '' : rest.slice(end);
  }
  return escapeError(rest) ?? fragmentError;
}

/** parseAuthority's refusals: a host as parseHost reads it, then the user information before the last `@`. */
function authorityErrorOf(authority: string): string | undefined {
  const at = authority.lastIndexOf('@');
  const hostError = hostErrorOf(authority.slice(at + 1));
  if (hostError !== undefined || at < 0) return hostError;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return 'net/url: invalid userinfo';
  return escapeError(userinfo);
}

/** ASCII a host may hold unescaped (shouldEscape's host mode); bytes past ASCII are taken as they are. */
const HOST_CHAR = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]$/;

/**
 * parseHost's refusals: `[` only first; a bracketed IP literal must close, be followed by nothing
 * or a port, hold an IPv6 address (netip.ParseAddr's answer, here Node's) and, after `%25`, a
 * zone that is not empty and held to the host's characters; elsewhere the part after the last `:`
 * a port. In either, `%` only before a byte past ASCII (or `%25`; in a zone, also before a
 * character a host may hold), and no other character a host must escape.
 */
function hostErrorOf(host: string): string | undefined {
  if (host.indexOf('[', 1) >= 0) return 'invalid IP-literal';
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    const port = host.slice(close + 1);
    if (!/^(?::[0-9]*)?$/.test(port)) return `invalid port ${JSON.stringify(port)} after host`;
    const inner = host.slice(1, close);
    const zoneAt = inner.indexOf('%25');
    const address = zoneAt < 0 ? inner : inner.slice(0, zoneAt);
    const charError = hostCharsError(address, false) ?? (zoneAt < 0 ? undefined : hostCharsError(inner.slice(zoneAt + 3), true));
    if (charError !== undefined) return charError;
    if (zoneAt >= 0 && zoneAt + 3 === inner.length) return `invalid host: ParseAddr(${JSON.stringify(`${address}%`)}): zone must be a non-empty string`;
    return net().isIPv6(address) ? undefined : 'invalid IP-literal';
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !/^:[0-9]*$/.test(host.slice(colon))) return `invalid port ${JSON.stringify(host.slice(colon))} after host`;
  return hostCharsError(host, false);
}

/** unescape's refusals of a host (or, `zone`, an IPv6 zone): escapes and characters a host may not hold. */
function hostCharsError(text: string, zone: boolean): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      const byte = /^[0-9A-Fa-f]{2}$/.test(hex) ? parseInt(hex, 16) : -1;
      const ok = byte >= 0x80 || hex === '25' || (zone && byte >= 0 && (byte === 0x20 || HOST_CHAR.test(String.fromCharCode(byte))));
      if (!ok) return `invalid URL escape ${JSON.stringify(text.slice(i, i + 3))}`;
      i += 2;
    } else if (c.charCodeAt(0) < 0x80 && !HOST_CHAR.test(c)) {
      return `invalid character ${JSON.stringify(c)} in host name`;
    }
  }
  return undefined;
}

/**
 * The scheme of a URL (lower-cased), "" when it has none, undefined when it starts with ':' (Go's
 * getScheme: letters, then letters, digits, `+`, `-` or `.`, then ':').
 */
export function urlScheme(raw: string): string | undefined {
  if (raw.startsWith(':')) return undefined;
  return SCHEME.exec(raw)?.[1]?.toLowerCase() ?? '';
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** url.PathUnescape's refusal: a `%` not followed by two hex digits. */
function escapeError(s: string): string | undefined {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
  }
  return undefined;
}

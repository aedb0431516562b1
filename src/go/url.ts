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

/*
 * url.Parse to a URL, URL.String and path.Join, as Helm's urlutil.URLJoin uses them to write the
 * `urls` of `repo index`. Go's strings are bytes: the work is done on byte strings (one char per
 * byte, latin1), so escapes and the escaping of bytes past ASCII come out as Go's.
 */

type Encoding = 'path' | 'pathSegment' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment';

/** Go's shouldEscape (the rules its encoding table is generated from). */
function shouldEscape(c: number, mode: Encoding): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'pathSegment':
        return '/;,?'.includes(ch);
      case 'userPassword':
        return '@/?:'.includes(ch);
      case 'queryComponent':
        return true;
      case 'fragment':
        return false;
      default:
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

class UrlError extends Error {}

/** Go's unescape of a byte string, throwing its refusals. */
function unescape(s: string, mode: Encoding): string {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      const v = parseInt(s.slice(i + 1, i + 3), 16);
      if (mode === 'host' && v < 0x80 && s.slice(i, i + 3) !== '%25') throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      if (mode === 'zone' && s.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(v, 'host')) throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      out += String.fromCharCode(v);
      i += 3;
    } else {
      const b = c.charCodeAt(0);
      if ((mode === 'host' || mode === 'zone') && b < 0x80 && shouldEscape(b, mode)) throw new UrlError(`invalid character ${JSON.stringify(c)} in host name`);
      out += c === '+' && mode === 'queryComponent' ? ' ' : c;
      i++;
    }
  }
  return out;
}

function escape(s: string, mode: Encoding): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i);
    if (b === 0x20 && mode === 'queryComponent') out += '+';
    else if (shouldEscape(b, mode)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    else out += s[i];
  }
  return out;
}

/** Go's url.URL; every string a byte string. */
export interface GoUrl {
  scheme: string;
  opaque: string;
  user?: { username: string; password?: string };
  host: string;
  path: string;
  rawPath: string;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
  omitHost: boolean;
}

const toBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const fromBytes = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new UrlError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!/^(?::[0-9]*)?$/.test(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf('%25');
    const unescaped = zone < 0 ? unescape(hostname, 'host') : unescape(hostname.slice(0, zone), 'host') + unescape(hostname.slice(zone), 'zone');
    const address = zone < 0 ? unescaped : unescaped.slice(0, unescaped.indexOf('%'));
    if (!net().isIPv6(fromBytes(address)) || (zone >= 0 && unescaped.endsWith('%'))) throw new UrlError('invalid IP-literal');
    return `[${unescaped}]${colonPort}`;
  }
  const first = host.indexOf(':');
  if (first >= 0) {
    // Go 1.26 (urlstrictcolons): the port of an http(s) host starts at its first colon, elsewhere at its last.
    const i = scheme === 'http' || scheme === 'https' ? first : host.lastIndexOf(':');
    const colonPort = host.slice(i);
    if (!/^:[0-9]*$/.test(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
  }
  return unescape(host, 'host');
}

function setPath(u: GoUrl, p: string): void {
  u.path = unescape(p, 'path');
  u.rawPath = escape(u.path, 'path') === p ? '' : p;
}

/** url.Parse; undefined where Go returns an error. `raw` is a JS string. */
export function goUrlParse(raw: string): GoUrl | undefined {
  try {
    return parseBytes(toBytes(raw));
  } catch (e) {
    if (e instanceof UrlError) return undefined;
    throw e;
  }
}

function parseBytes(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  const target = hash < 0 ? raw : raw.slice(0, hash);
  if (/[\x00-\x1f\x7f]/.test(target)) throw new UrlError('net/url: invalid control character in URL');
  const u: GoUrl = { scheme: '', opaque: '', host: '', path: '', rawPath: '', forceQuery: false, rawQuery: '', fragment: '', rawFragment: '', omitHost: false };
  if (target === '*') {
    u.path = '*';
  } else {
    const scheme = urlScheme(target);
    if (scheme === undefined) throw new UrlError('missing protocol scheme');
    u.scheme = scheme;
    let rest = target.slice(scheme === '' ? 0 : scheme.length + 1);
    const q = rest.indexOf('?');
    if (rest.endsWith('?') && q === rest.length - 1) {
      u.forceQuery = true;
      rest = rest.slice(0, -1);
    } else if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
    if (!rest.startsWith('/')) {
      if (scheme !== '') {
        u.opaque = rest;
        return withFragment(u, frag, hash >= 0);
      }
      const slash = rest.indexOf('/');
      if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
    }
    if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
      let authority = rest.slice(2);
      rest = '';
      const slash = authority.indexOf('/');
      if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
      const at = authority.lastIndexOf('@');
      u.host = parseHost(scheme, authority.slice(at + 1));
      if (at >= 0) {
        const info = authority.slice(0, at);
        if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(info)) throw new UrlError('net/url: invalid userinfo');
        const colon = info.indexOf(':');
        u.user =
          colon < 0
            ? { username: unescape(info, 'userPassword') }
            : { username: unescape(info.slice(0, colon), 'userPassword'), password: unescape(info.slice(colon + 1), 'userPassword') };
      }
    } else if (scheme !== '' && rest.startsWith('/')) {
      u.omitHost = true;
    }
    setPath(u, rest);
  }
  return withFragment(u, frag, hash >= 0);
}

function withFragment(u: GoUrl, f: string, had: boolean): GoUrl {
  if (!had || f === '') return u;
  u.fragment = unescape(f, 'fragment');
  u.rawFragment = escape(u.fragment, 'fragment') === f ? '' : f;
  return u;
}

/** validEncoded: no byte that must be escaped in `mode`, sub-delims, brackets and `%` allowed. */
function validEncoded(s: string, mode: Encoding): boolean {
  for (let i = 0; i < s.length; i++) {
    if (`!$&'()*+,;=:@[]%`.includes(s[i]!)) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}

/** RawPath (or RawFragment) when it is a valid escaping of the decoded form, else Go's own escaping. */
function escapedForm(raw: string, decoded: string, mode: Encoding): string {
  if (raw !== '' && validEncoded(raw, mode)) {
    try {
      if (unescape(raw, mode) === decoded) return raw;
    } catch (e) {
      if (!(e instanceof UrlError)) throw e;
    }
  }
  return escape(decoded, mode);
}

/** EscapedPath: a path of `*` is left as it is (Go's issue 11202). */
function escapedPath(u: GoUrl): string {
  const fromRaw = escapedForm(u.rawPath, u.path, 'path');
  return u.path === '*' && fromRaw !== u.rawPath ? '*' : fromRaw;
}

/** URL.String, as a JS string. */
export function goUrlString(u: GoUrl): string {
  let buf = u.scheme === '' ? '' : u.scheme + ':';
  if (u.opaque !== '') {
    buf += u.opaque;
  } else {
    if ((u.scheme !== '' || u.host !== '' || u.user) && !(u.omitHost && u.host === '' && !u.user)) {
      if (u.host !== '' || u.path !== '' || u.user) buf += '//';
      if (u.user) {
        buf += escape(u.user.username, 'userPassword');
        if (u.user.password !== undefined) buf += ':' + escape(u.user.password, 'userPassword');
        buf += '@';
      }
      if (u.host !== '') buf += escape(u.host, 'host');
    }
    const path = escapedPath(u);
    if (path !== '' && path[0] !== '/' && u.host !== '') buf += '/';
    // A first segment holding a colon would read as a scheme: Go writes ./ before it.
    if (buf === '' && (path.split('/')[0] ?? '').includes(':')) buf += './';
    buf += path;
  }
  if (u.forceQuery || u.rawQuery !== '') buf += '?' + u.rawQuery;
  if (u.fragment !== '') buf += '#' + escapedForm(u.rawFragment, u.fragment, 'fragment');
  return fromBytes(buf);
}

/** Go's path.Clean. */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(seg);
    }
  }
  const joined = out.join('/');
  return rooted ? '/' + joined : joined === '' ? '.' : joined;
}

/** Go's path.Join: the non-empty elements joined by `/` and cleaned; "" when all are empty. */
export function goPathJoin(...elems: string[]): string {
  const some = elems.filter((e) => e !== '');
  return some.length === 0 ? '' : goPathClean(some.join('/'));
}

/**
 * Helm's urlutil.URLJoin: the path elements joined to the URL's path (path.Join) and the URL
 * written back (query and fragment kept, the path escaped as Go escapes it); undefined when
 * url.Parse refuses the base, where Helm falls back to path.Join.
 */
export function helmUrlJoin(base: string, ...paths: string[]): string | undefined {
  const u = goUrlParse(base);
  if (!u) return undefined;
  u.path = goPathJoin(u.path, ...paths.map(toBytes));
  return goUrlString(u);
}

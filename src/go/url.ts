/**
 * The refusals of Go's net/url.Parse, which Helm meets reading a values path (pkg/cli/values
 * readFile: every `-f` and `--set-file` path is parsed as a URL first; a parse error fails the
 * command, an http, https or oci URL is downloaded, anything else is read as a local file). The
 * words are Go's, but for a bracketed IP literal, which is held to IPv6's characters only.
 */

/** What url.Parse refuses in `raw`, in Go's words; undefined when it parses. */
export function urlParseError(raw: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(raw)) return 'net/url: invalid control character in URL';
  const hash = raw.indexOf('#');
  const target = hash < 0 ? raw : raw.slice(0, hash);
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
 * parseHost's refusals: a bracketed IP literal must close, be IPv6 (checked by its characters
 * here, where Go parses it) and be followed by nothing or a port; elsewhere no `[`, the part after
 * the last `:` a port, `%` only before a byte past ASCII (or `%25`), and no other character a
 * host must escape.
 */
function hostErrorOf(host: string): string | undefined {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    const port = host.slice(close + 1);
    if (!/^(?::[0-9]*)?$/.test(port)) return `invalid port ${JSON.stringify(port)} after host`;
    const literal = host.slice(1, close).replace(/%25.*$/, ''); // without its zone
    return /^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$/.test(literal) ? undefined : 'invalid IP-literal';
  }
  if (host.includes('[')) return 'invalid IP-literal';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && !/^:[0-9]*$/.test(host.slice(colon))) return `invalid port ${JSON.stringify(host.slice(colon))} after host`;
  for (let i = 0; i < host.length; i++) {
    const c = host[i]!;
    if (c === '%') {
      const hex = host.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex) || (parseInt(hex, 16) < 0x80 && hex !== '25')) return `invalid URL escape ${JSON.stringify(host.slice(i, i + 3))}`;
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
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return '';
      continue;
    }
    if (c === ':') return i === 0 ? undefined : raw.slice(0, i).toLowerCase();
    return '';
  }
  return '';
}

/** url.PathUnescape's refusal: a `%` not followed by two hex digits. */
function escapeError(s: string): string | undefined {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) return `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`;
  }
  return undefined;
}

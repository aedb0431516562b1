/**
 * Go's net/url.Parse, as far as Helm leans on it to read a values path (pkg/cli/values readFile:
 * every `-f` and `--set-file` path is parsed as a URL first; a parse error fails the command, an
 * http, https or oci URL is downloaded, anything else is read as a local file).
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
  return escapeError(rest) ?? fragmentError;
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

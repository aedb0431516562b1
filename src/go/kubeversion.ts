/**
 * Helm 3.21's `--kube-version` reading: chartutil.ParseKubeVersion on top of Kubernetes'
 * generic version parser (k8s.io/apimachinery/pkg/util/version ParseGeneric). Anything after the
 * numbers (a vendor suffix such as `-gke.1` or `+k3s1`) is dropped, as 3.21 drops it.
 */
import { goQuote, GoStruct } from './fmt.js';

export interface KubeVersion {
  Version: string;
  Major: string;
  Minor: string;
}

/**
 * Capabilities.KubeVersion as templates see it: Helm's chartutil.KubeVersion struct (fields
 * Version, Major, Minor), its deprecated GitVersion() method (the Version), and its String()
 * method, the Version too (Helm 4's is the normalised version, which is what Version holds here).
 */
export class KubeVersionStruct extends GoStruct implements KubeVersion {
  readonly Version: string;
  readonly Major: string;
  readonly Minor: string;
  declare readonly GitVersion: string;

  constructor(v: KubeVersion) {
    super();
    this.Version = v.Version;
    this.Major = v.Major;
    this.Minor = v.Minor;
    Object.defineProperty(this, 'GitVersion', { value: v.Version, enumerable: false });
  }

  goString(): string {
    return this.Version;
  }
}

/** Go's regexp `\s` is ASCII space, tab, newline, form feed and carriage return (no \v). */
const VERSION = /^[\t\n\f\r ]*v?([0-9]+(?:\.[0-9]+)*)[^\n]*$/; // Go's `.` stops at a newline only
const UINT64_MAX = (1n << 64n) - 1n;

/** The version, or the error text Helm prints after `invalid kube version '<input>': `. */
export function parseGenericVersion(input: string): { ok: true; components: bigint[] } | { ok: false; error: string } {
  const m = VERSION.exec(input);
  if (!m) return { ok: false, error: `could not parse ${goQuote(input)} as version` };
  const parts = m[1]!.split('.');
  if (parts.length < 2) return { ok: false, error: `illegal version string ${goQuote(input)}` };
  const components: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    if (i === 0 && part.startsWith('0') && part !== '0') {
      return { ok: false, error: `illegal zero-prefixed version component ${goQuote(part)} in ${goQuote(input)}` };
    }
    const n = BigInt(part);
    if (n > UINT64_MAX) {
      return {
        ok: false,
        error: `illegal non-numeric version component ${goQuote(part)} in ${goQuote(input)}: strconv.ParseUint: parsing ${goQuote(part)}: value out of range`,
      };
    }
    components.push(n);
  }
  return { ok: true, components };
}

/** Capabilities.KubeVersion for a `--kube-version` value, or Helm's error message. */
export function parseKubeVersion(input: string): { ok: true; version: KubeVersion } | { ok: false; error: string } {
  const r = parseGenericVersion(input);
  if (!r.ok) return { ok: false, error: `invalid kube version '${input}': ${r.error}` };
  const [major, minor] = r.components;
  return { ok: true, version: { Version: `v${r.components.join('.')}`, Major: String(major), Minor: String(minor) } };
}

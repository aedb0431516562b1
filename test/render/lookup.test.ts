import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectlLookup } from '../../src/render/lookup.js';

/** A stand-in kubectl that records its arguments and answers like the real one. */
function fakeKubectl(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dify-kubectl-'));
  const bin = join(dir, 'kubectl');
  const log = join(dir, 'args');
  writeFileSync(
    bin,
    `#!/bin/sh\necho "$@" >> ${log}\ncase "$*" in\n  *" kept "*) echo '{"apiVersion":"v1","kind":"Secret","data":{"SECRET_KEY":"c2VjcmV0"}}';;\n  *forbidden*) echo 'Error from server (Forbidden): nope' >&2; exit 1;;\n  *) ;;\nesac\n`,
  );
  chmodSync(bin, 0o755);
  return { bin, log };
}

describe('render --lookup', () => {
  it('reads an existing object through kubectl, and {} when it does not exist', () => {
    const { bin, log } = fakeKubectl();
    const lookup = kubectlLookup(bin);
    expect(lookup('v1', 'Secret', 'ns', 'kept')).toEqual({ apiVersion: 'v1', kind: 'Secret', data: { SECRET_KEY: 'c2VjcmV0' } });
    expect(lookup('v1', 'Secret', 'ns', 'absent')).toEqual({});
    expect(readFileSync(log, 'utf8')).toContain('get secret.v1. kept -o json --ignore-not-found -n ns');
  });
  it('turns a kubectl failure into one clear line', () => {
    const { bin } = fakeKubectl();
    expect(() => kubectlLookup(bin)('apps/v1', 'Deployment', 'ns', 'forbidden')).toThrow(/--lookup: .*Forbidden/);
  });
});

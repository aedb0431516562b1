/** The real-server suites' helpers: tool lookup policy, process cleanup, the line rewriter. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { descendants, findTool, freePort, requireTool, rewriteLines, startProcess, waitForPort } from './support.js';

describe('requireTool', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    vi.restoreAllMocks();
  });

  it('returns the path of a present program', () => {
    expect(requireTool('sh')).toBe(findTool('sh'));
  });

  it('returns false with a reason for a missing program outside CI', () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireTool('no-such-tool-dify-test')).toBe(false);
    expect(warn.mock.calls[0]?.[0]).toMatch(/skipping: no-such-tool-dify-test not found/);
  });

  it('throws for a missing program when CI=true', () => {
    process.env.CI = 'true';
    expect(() => requireTool('no-such-tool-dify-test')).toThrow(/CI=true and no-such-tool-dify-test not found/);
  });
});

describe('rewriteLines', () => {
  it('changes only matching lines and fails when a required rule did not apply', () => {
    const rules = [{ name: 'port', match: /^listen (\d+);$/, replace: () => 'listen 127.0.0.1:1;', min: 1 }];
    expect(rewriteLines('a\nlisten 80;\nb', rules, 't').text).toBe('a\nlisten 127.0.0.1:1;\nb');
    expect(() => rewriteLines('a\nb', rules, 't')).toThrow(/"port" expected to apply at least 1/);
    const removed = rewriteLines('user nginx;\nx', [{ name: 'user', match: /^user /, replace: () => null }], 't');
    expect(removed.text).toBe('# [test override removed] user nginx;\nx');
  });
});

describe('startProcess', () => {
  it.skipIf(process.platform !== 'linux')('stops a server and the children it started', async () => {
    const port = await freePort();
    const script = `const {spawn}=require('child_process');spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});` +
      `process.on('SIGTERM',()=>{});require('net').createServer().listen(${port},'127.0.0.1')`;
    const p = startProcess('ignores SIGTERM', process.execPath, ['-e', script], { graceMs: 200 });
    await waitForPort(port, p);
    const kids = descendants(p.child.pid!);
    expect(kids.length).toBeGreaterThan(0);
    await p.stop();
    // Gone, or a zombie waiting for a reaper (pid 1 of a container may never reap it).
    const alive = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
      } catch {
        return false;
      }
    };
    // SIGKILL is delivered asynchronously: on a loaded machine a child may take a moment to go.
    const deadline = Date.now() + 10_000;
    while ((alive(p.child.pid!) || kids.some(alive)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(p.child.pid!)).toBe(false);
    expect(kids.filter(alive)).toEqual([]);
  }, 30_000);
});

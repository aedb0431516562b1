/**
 * The plugin daemon with its egress through the SSRF proxy still reaches its object storage
 * directly: squid refuses cluster names and private networks, so the storage host must be one
 * NO_PROXY exempts. The host is read from the daemon's own settings with the WHATWG URL parser
 * (not the chart's), and NO_PROXY is matched as Go's golang.org/x/net/http/httpproxy matches it.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cli } from '../cli/run.js';
import { engineAvailable, find, fixtures, render, renderNotes, type K8sObject } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

/** httpproxy's NO_PROXY rule for a host name or IP (ports aside): `*`, an exact entry, or a domain suffix. */
function exempt(noProxy: string, host: string): boolean {
  const h = host.toLowerCase();
  return noProxy
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .some((e) => e === '*' || e === h || (e.startsWith('.') ? h.endsWith(e) || h === e.slice(1) : h.endsWith(`.${e}`)));
}

/** The storage endpoint the daemon's settings name, if any. */
function storageEndpoint(data: Record<string, string>): string | undefined {
  const url = data['S3_ENDPOINT'] || data['ALIYUN_OSS_ENDPOINT'] || data['VOLCENGINE_TOS_ENDPOINT'] || data['AZURE_BLOB_STORAGE_ENDPOINT'];
  return url ? url : undefined;
}

describe.skipIf(!engineAvailable)('plugin daemon behind the SSRF proxy', () => {
  it('has the storage it uses exempt from the proxy, in every fixture that routes it through one', async () => {
    let checked = 0;
    for (const fixture of fixtures) {
      const { objects } = await render(fixture);
      const cm = find(objects, 'ConfigMap', '-plugin-daemon');
      const data = (cm?.['data'] ?? {}) as Record<string, string>;
      if (!data['HTTPS_PROXY'] || !data['PLUGIN_STORAGE_TYPE']) continue;
      const endpoint = storageEndpoint(data);
      if (endpoint === undefined) continue;
      const host = new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`).hostname.replace(/^\[|\]$/g, '');
      expect(exempt(data['NO_PROXY'] ?? '', host), `${fixture}: ${host} not in NO_PROXY ${data['NO_PROXY']}`).toBe(true);
      checked++;
    }
    // The in-cluster MinIO fixture and network-policy-custom's private S3 endpoint at least.
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('NOTES warns when several daemons would call each other through the proxy (it refuses pod addresses)', () => {
    const warning = 'WARNING: several plugin daemon pods with pluginDaemon.useSsrfProxy';
    expect(renderNotes('plugin-daemon-ssrf-proxy.yaml')).not.toContain(warning);
    const rwx = ['pluginDaemon.persistence.accessModes={ReadWriteMany}'];
    expect(renderNotes('plugin-daemon-ssrf-proxy.yaml', ['pluginDaemon.replicaCount=2', ...rwx])).toContain(warning);
    expect(renderNotes('plugin-daemon-ssrf-proxy.yaml', ['pluginDaemon.autoscaling.enabled=true', ...rwx])).toContain(warning);
    expect(renderNotes('defaults.yaml', ['pluginDaemon.replicaCount=2', ...rwx])).not.toContain(warning);
  });

  it('reads the host of any endpoint form: a port, user info, a path, a query, no scheme, IPv6, capitals', async () => {
    const endpoints = ['http://h1.example:9000?x=1', 'https://u:p@h2.example:9443/base/path', 'h3.example:9443', 'http://[fd00::1]:9000', 'HTTPS://H5.EXAMPLE#f'];
    for (const endpoint of endpoints) {
      const r = await cli(['render', 'r', '-s', 'templates/plugin-daemon/configmap.yaml', '--set', 'storage.type=s3', '--set-string', `storage.s3.endpoint=${endpoint}`,
        '--set', 'storage.s3.accessKey.value=a', '--set', 'storage.s3.secretKey.value=b', '--set', 'pluginDaemon.useSsrfProxy=true', '--set', 'pluginDaemon.storage.type=objectStorage']);
      expect(r.stderr, endpoint).toBe('');
      const cm = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject).find((o) => o?.kind === 'ConfigMap');
      const data = (cm?.['data'] ?? {}) as Record<string, string>;
      const host = new URL(endpoint.includes('://') ? endpoint : `https://${endpoint}`).hostname.replace(/^\[|\]$/g, '');
      expect(exempt(data['NO_PROXY'] ?? '', host), `${endpoint}: ${host} not in ${data['NO_PROXY']}`).toBe(true);
    }
  });
});

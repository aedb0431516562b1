/**
 * Every pod of every fixture meets the Kubernetes "restricted" Pod Security Standard
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/, which includes
 * "baseline"), except the pods on the exception list below. An exception is not a skip: the pod's
 * violations must be exactly the documented ones (the reasons are the chart's own, from the
 * comments of chart/values.yaml), and every other rule still holds for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, FIXTURES, parseDocs, type K8sObject } from '../cli/run.js';

const T = 180_000;
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();

/**
 * Documented exceptions, by app.kubernetes.io/component and container name: the exact
 * violations allowed and why (chart/values.yaml, `podSecurityContext`/`containerSecurityContext`).
 */
const EXCEPTIONS: Record<string, { why: string; violations: string[] }> = {
  'sandbox/sandbox': {
    why: 'dify-sandbox starts as root: it chroots every code run and then drops to its own uid with setuid/setgid, which needs these capabilities, and kills a run past its timeout, which needs KILL (root without it cannot signal another uid)',
    violations: ['runAsNonRoot is not true', 'runAsUser is 0', 'capabilities.add CHOWN,DAC_OVERRIDE,FOWNER,KILL,SETGID,SETUID,SYS_CHROOT'],
  },
  'plugin-daemon/plugin-daemon': {
    why: 'the plugin daemon image runs as root (it builds Python environments for plugins under root-owned paths); every capability is dropped instead',
    violations: ['runAsNonRoot is not true'],
  },
};

const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

interface PodOf {
  workload: string;
  component: string;
  spec: any;
}

/** The pod specs of Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and bare Pods. */
function pods(objects: K8sObject[]): PodOf[] {
  const out: PodOf[] = [];
  for (const o of objects) {
    const template = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.kind === 'Pod' ? { metadata: o.metadata, spec: o.spec } : o.spec?.template;
    if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'].includes(o.kind)) continue;
    expect(template?.spec, `${o.kind}/${o.metadata.name} has a pod spec`).toBeDefined();
    out.push({ workload: `${o.kind}/${o.metadata.name}`, component: template.metadata?.labels?.['app.kubernetes.io/component'] ?? '?', spec: template.spec });
  }
  return out;
}

/** Pod-level violations (none are excepted). */
function podViolations(spec: any): string[] {
  const v: string[] = [];
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[k] === true) v.push(`${k} is true`);
  if (spec.hostUsers === false) {
    // user namespaces are allowed
  }
  for (const vol of spec.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name')!;
    if (!ALLOWED_VOLUMES.has(type)) v.push(`volume ${vol.name} is ${type}`);
  }
  for (const s of spec.securityContext?.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`unsafe sysctl ${s.name}`);
  if (spec.securityContext?.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(spec.securityContext.appArmorProfile.type)) v.push('pod appArmorProfile');
  if (!SELINUX_TYPES.has(spec.securityContext?.seLinuxOptions?.type ?? '')) v.push('pod seLinuxOptions.type');
  if (spec.securityContext?.seLinuxOptions?.user || spec.securityContext?.seLinuxOptions?.role) v.push('pod seLinuxOptions user/role');
  return v;
}

/** Container-level violations, with the pod's securityContext as the default. */
function containerViolations(spec: any, c: any): string[] {
  const pod = spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const v: string[] = [];
  if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) v.push('runAsNonRoot is not true');
  if ((sc.runAsUser ?? pod.runAsUser) === 0) v.push('runAsUser is 0');
  if (sc.allowPrivilegeEscalation !== false) v.push('allowPrivilegeEscalation is not false');
  if (sc.privileged === true) v.push('privileged');
  const drop: string[] = sc.capabilities?.drop ?? [];
  if (!drop.includes('ALL')) v.push('capabilities.drop lacks ALL');
  const add: string[] = (sc.capabilities?.add ?? []).filter((a: string) => a !== 'NET_BIND_SERVICE');
  if (add.length > 0) v.push(`capabilities.add ${[...add].sort().join(',')}`);
  const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
  if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) v.push(`seccompProfile is ${seccomp ?? 'unset'}`);
  if (sc.procMount && sc.procMount !== 'Default') v.push('procMount');
  if (!SELINUX_TYPES.has(sc.seLinuxOptions?.type ?? '')) v.push('seLinuxOptions.type');
  if (sc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) v.push('appArmorProfile');
  for (const p of c.ports ?? []) if (p.hostPort) v.push(`hostPort ${p.hostPort}`);
  return v;
}

const objectsOf = new Map<string, K8sObject[]>();

beforeAll(async () => {
  const queue = [...fixtures];
  await Promise.all(
    [0, 1, 2].map(async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const r = await cli(['render', '-f', join(FIXTURES, f)]);
        if (r.code !== 0) throw new Error(`${f}: ${r.stderr}`);
        objectsOf.set(f, parseDocs(r.stdout));
      }
    }),
  );
}, T);

describe('restricted Pod Security Standard on every pod of every fixture', () => {
  it('every exception gives its reason', () => {
    for (const [k, e] of Object.entries(EXCEPTIONS)) expect(e.why.length, k).toBeGreaterThan(20);
  });

  for (const fixture of fixtures) {
    it(fixture, () => {
      const all = pods(objectsOf.get(fixture)!);
      if (fixture === 'defaults.yaml') expect(all.length).toBeGreaterThan(5);
      for (const p of all) {
        expect(podViolations(p.spec), `${p.workload} pod`).toEqual([]);
        const containers = [...(p.spec.initContainers ?? []), ...(p.spec.containers ?? []), ...(p.spec.ephemeralContainers ?? [])];
        expect(containers.length).toBeGreaterThan(0);
        for (const c of containers) {
          const exception = EXCEPTIONS[`${p.component}/${c.name}`];
          expect(containerViolations(p.spec, c), `${p.workload} container ${c.name}`).toEqual(exception?.violations ?? []);
        }
      }
    });
  }

  // Why the sandbox keeps KILL: a root process without it may not signal a process of another uid, as a run is
  // (Linux's kill permission rule; checked here by dropping the capability with util-linux's setpriv).
  it.skipIf(process.getuid?.() !== 0)('root without CAP_KILL cannot stop a process of another uid (why the sandbox keeps KILL)', () => {
    const child = spawn('setpriv', ['--reuid=65537', '--regid=65537', '--clear-groups', 'sleep', '60']);
    try {
      // Until setpriv has switched to the other uid (it starts as root).
      const uidOf = () => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      for (const until = Date.now() + 10_000; uidOf() !== '65537' && Date.now() < until; ) spawnSync('sleep', ['0.05']);
      expect(uidOf()).toBe('65537');
      const kill = (caps: string[]) => spawnSync('setpriv', [...caps, 'kill', '-0', String(child.pid)], { encoding: 'utf8' });
      const without = kill(['--bounding-set=-kill', '--inh-caps=-kill']);
      expect(without.error).toBeUndefined();
      expect(without.status, without.stderr).toBe(1);
      expect(without.stderr).toMatch(/not permitted/i);
      expect(kill([]).status).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the exceptions are the ones in use: each appears in some fixture', () => {
    const seen = new Set<string>();
    for (const objects of objectsOf.values()) {
      for (const p of pods(objects)) for (const c of p.spec.containers ?? []) seen.add(`${p.component}/${c.name}`);
    }
    for (const k of Object.keys(EXCEPTIONS)) expect(seen.has(k), k).toBe(true);
  });

  it('the checker catches each rule (a pod breaking everything is told everything)', () => {
    const spec = {
      hostNetwork: true,
      hostPID: true,
      volumes: [{ name: 'h', hostPath: { path: '/' } }],
      securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] },
    };
    expect(podViolations(spec)).toEqual(['hostNetwork is true', 'hostPID is true', 'volume h is hostPath', 'unsafe sysctl kernel.msgmax']);
    const c = { name: 'x', ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } } };
    expect(containerViolations(spec, c)).toEqual([
      'runAsNonRoot is not true',
      'runAsUser is 0',
      'allowPrivilegeEscalation is not false',
      'privileged',
      'capabilities.drop lacks ALL',
      'capabilities.add SYS_ADMIN',
      'seccompProfile is unset',
      'hostPort 80',
    ]);
    const good = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } };
    expect(containerViolations(good, { name: 'y', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } })).toEqual([]);
  });
});

/**
 * A local storage claim a node at a time can attach (no ReadWriteMany) is mounted by api,
 * api-websocket and worker: every such pod must then be held to the node of the others, or a pod
 * scheduled elsewhere (a rollout's surge pod included) waits for the volume forever. Read from the
 * rendered objects of every fixture: which pods mount the claim, and the claim's access modes.
 */
import { describe, expect, it, vi } from 'vitest';
import { engineAvailable, fixtures, render, type K8sObject } from './render.js';

vi.setConfig({ testTimeout: 120_000 });

interface Term {
  labelSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  topologyKey?: string;
}

/** Whether a required pod-affinity term selects, on the same node, every pod that mounts the claim. */
function holdsTogether(term: Term, mounters: K8sObject[]): boolean {
  if (term.topologyKey !== 'kubernetes.io/hostname') return false;
  return mounters.every((m) => {
    const labels = m['spec'].template.metadata.labels as Record<string, string>;
    const sel = term.labelSelector ?? {};
    const byLabel = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpr = (sel.matchExpressions ?? []).every((e) => e.operator === 'In' && (e.values ?? []).includes(labels[e.key] ?? ''));
    return byLabel && byExpr;
  });
}

describe.skipIf(!engineAvailable)('pods sharing a ReadWriteOnce storage claim', () => {
  it('are held to one node unless the claim is ReadWriteMany or the pod brings its own podAffinity', async () => {
    let checked = 0;
    for (const fixture of fixtures) {
      const { objects } = await render(fixture);
      const claim = objects.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name.endsWith('-storage'));
      const mounters = objects.filter(
        (o) =>
          o.kind === 'Deployment' &&
          ((o['spec'].template.spec.volumes ?? []) as { persistentVolumeClaim?: { claimName: string } }[]).some((v) => v.persistentVolumeClaim?.claimName === claim?.metadata.name),
      );
      if (!claim || mounters.length === 0) continue;
      const rwx = (claim['spec'].accessModes as string[]).includes('ReadWriteMany');
      for (const m of mounters) {
        const podAffinity = m['spec'].template.spec.affinity?.podAffinity as { requiredDuringSchedulingIgnoredDuringExecution?: Term[]; preferredDuringSchedulingIgnoredDuringExecution?: unknown[] } | undefined;
        const required = podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        const label = `${fixture}: ${m.metadata.name}`;
        if (rwx) expect(required, label).toEqual([]);
        else if (podAffinity?.preferredDuringSchedulingIgnoredDuringExecution && required.length === 0) continue; // the user's own
        else expect(required.some((t) => holdsTogether(t, mounters)), label).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it("keeps the rest of a pod's affinity (the worker's node affinity) and a podAffinity of its own", async () => {
    const { objects } = await render('storage-local-colocation.yaml');
    const spec = (suffix: string): Record<string, unknown> => objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith(suffix))!['spec'].template.spec;
    const worker = spec('-worker')['affinity'] as Record<string, unknown>;
    expect(Object.keys(worker).sort()).toEqual(['nodeAffinity', 'podAffinity']);
    const ws = spec('-api-websocket')['affinity'] as { podAffinity: Record<string, unknown> };
    expect(Object.keys(ws.podAffinity)).toEqual(['preferredDuringSchedulingIgnoredDuringExecution']);
  });
});

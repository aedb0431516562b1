/**
 * Every manifest of every fixture validates against the Kubernetes API schema (kubernetes-models,
 * generated from the Kubernetes OpenAPI; Gateway API and External Secrets from their published CRDs),
 * and every object of the chart's own carries the recommended labels (extraObjects are printed as given).
 */
import { describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as gateway from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import * as eso from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import { parse } from 'yaml';
import { engineAvailable, fixtureValues, fixtures, render } from './render.js';

/** The fixture's extraObjects, `Kind/name` each: the user's own objects, printed as given (no labels added). */
function usersObjects(fixture: string): Set<string> {
  const values = (parse(fixtureValues(fixture)) ?? {}) as { extraObjects?: { kind: string; metadata: { name: string } }[] };
  return new Set((values.extraObjects ?? []).map((o) => `${o.kind}/${o.metadata.name}`));
}

const MODELS: Record<string, Record<string, any>> = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'batch/v1': batch,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
  'rbac.authorization.k8s.io/v1': rbac,
  'gateway.networking.k8s.io/v1': gateway,
  'external-secrets.io/v1': eso,
};

describe.skipIf(!engineAvailable)('Kubernetes API schema', () => {
  for (const fixture of fixtures) {
    it(fixture, async () => {
      const { text, objects } = await render(fixture);
      expect(text).not.toMatch(/[ \t]+\n/); // no trailing whitespace
      expect(objects.length).toBeGreaterThan(0);
      const names = new Set<string>();
      const own = usersObjects(fixture);
      for (const obj of objects) {
        const Model = MODELS[obj.apiVersion]?.[obj.kind];
        expect(Model, `${obj.apiVersion} ${obj.kind} has a model`).toBeTruthy();
        expect(() => new Model(obj).validate(), `${obj.kind}/${obj.metadata.name}`).not.toThrow();
        const id = `${obj.kind}/${obj.metadata.name}`;
        expect(names.has(id), `${id} is unique`).toBe(false);
        names.add(id);
        expect(obj.metadata.name.length).toBeLessThanOrEqual(63);
        if (own.has(id)) continue;
        expect(obj.metadata.labels?.['app.kubernetes.io/name']).toBeTruthy();
        expect(obj.metadata.labels?.['app.kubernetes.io/instance']).toBe('release-name');
        expect(obj.metadata.labels?.['app.kubernetes.io/component']).toBeTruthy();
        expect(obj.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
        expect(obj.metadata.labels?.['app.kubernetes.io/part-of']).toBe('dify');
      }
    });
  }
});

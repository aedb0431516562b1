/**
 * `dify-chart lint` checks on manifests written by hand: a deliberately broken set must produce
 * exactly the expected findings, a clean one none.
 */
import { describe, expect, it } from 'vitest';
import { formatFinding, lintObjects, textDocs } from '../../src/lint/check.js';
import { imageTag, SECRET_KEY_PATTERN } from '../../src/lint/rules.js';

const labels = `app.kubernetes.io/name: dify
        app.kubernetes.io/instance: r
        app.kubernetes.io/component: api`;

const CLEAN = `---
# Source: dify/templates/api.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: r-dify-api
data:
  DB_HOST: r-dify-postgresql
  SECRET_KEY: ""
  INDEXING_MAX_SEGMENTATION_TOKENS_LENGTH: "4000"
---
# Source: dify/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: r-dify-api
spec:
  selector:
    matchLabels:
      app.kubernetes.io/component: api
  template:
    metadata:
      labels:
        ${labels}
    spec:
      containers:
        - name: api
          image: langgenius/dify-api:1.7.1
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 5001
          resources:
            requests: {cpu: 100m, memory: 128Mi}
        - name: pinned
          image: registry.example.com:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          resources:
            requests: {cpu: 10m}
`;

const BROKEN = `---
# Source: dify/templates/api.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: r-dify-api
data:
  DB_PASSWORD: hunter2
  SECRET_KEY: abc
  PLUGIN_DAEMON_KEY: k
  DB_HOST: db
---
# Source: dify/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: r-dify-api
spec:
  replicas: "2"
  selector:
    matchLabels:
      app.kubernetes.io/component: worker
  template:
    metadata:
      labels:
        app.kubernetes.io/component: api
    spec:
      initContainers:
        - name: wait
          image: busybox
          resources:
            requests: {cpu: 10m}
      containers:
        - name: api
          image: langgenius/dify-api:latest
          imagePullPolicy: Sometimes
          resource:
            requests: {cpu: 100m}
---
# Source: dify/templates/web.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: r-dify-web
spec:
  serviceName: web
  selector:
    matchLabels:
      app.kubernetes.io/name: dify
  template:
    metadata:
      labels:
        ${labels}
    spec:
      containers:
        - name: web
          image: langgenius/dify-web:1.7.1
          resources:
            requests: {cpu: 100m}
          bogusField: true
        - name: web
          image: registry.example.com/log-shipper:1.0
          resources:
            requests: {cpu: 10m}
---
# Source: dify/templates/extra.yaml
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
`;

describe('lint checks', () => {
  it('finds nothing in a clean set of manifests', async () => {
    const { docs, findings } = textDocs(CLEAN);
    expect(findings).toEqual([]);
    expect(docs.map((d) => d.template)).toEqual(['templates/api.yaml', 'templates/api.yaml']);
    expect((await lintObjects(docs)).map(formatFinding)).toEqual([]);
  });

  it('reports every problem of a deliberately broken set, one line each', async () => {
    const { docs } = textDocs(BROKEN);
    const lines = (await lintObjects(docs)).map(formatFinding);
    expect(lines).toEqual([
      'templates/api.yaml: ConfigMap/r-dify-api: data.DB_PASSWORD: looks like a credential; keep it in a Secret',
      'templates/api.yaml: ConfigMap/r-dify-api: data.SECRET_KEY: looks like a credential; keep it in a Secret',
      'templates/api.yaml: ConfigMap/r-dify-api: data.PLUGIN_DAEMON_KEY: looks like a credential; keep it in a Secret',
      'templates/api.yaml: Deployment/r-dify-api: spec.replicas: must be integer',
      'templates/api.yaml: Deployment/r-dify-api: spec.template.spec.containers[0].imagePullPolicy: must be one of "Always", "IfNotPresent", "Never"',
      'templates/api.yaml: Deployment/r-dify-api: spec.template.spec.initContainers[0] (wait): image busybox has no tag (implies latest); pin a version',
      'templates/api.yaml: Deployment/r-dify-api: spec.template.spec.containers[0] (api): container has no resources.requests',
      'templates/api.yaml: Deployment/r-dify-api: spec.template.spec.containers[0] (api): image langgenius/dify-api:latest uses the latest tag; pin a version',
      'templates/api.yaml: Deployment/r-dify-api: spec.template.metadata.labels: missing app.kubernetes.io/name, app.kubernetes.io/instance',
      "templates/api.yaml: Deployment/r-dify-api: spec.selector.matchLabels: app.kubernetes.io/component=worker does not match the pod template's labels",
      'templates/web.yaml: StatefulSet/r-dify-web: spec.template.spec.containers[0].bogusField: unknown field',
      'templates/web.yaml: StatefulSet/r-dify-web: spec.template.spec.containers[1] (web): container name already used by spec.template.spec.containers[0]; the API server refuses the pod',
      'templates/extra.yaml: Widget/w: no schema for example.com/v1 Widget',
    ]);
  });

  it('reports YAML that does not parse and documents that are not objects', () => {
    const { findings } = textDocs('---\n# Source: dify/templates/x.yaml\na: [\n---\n# Source: dify/templates/y.yaml\n- 1\n');
    expect(findings.map(formatFinding)).toEqual([
      expect.stringMatching(/^templates\/x\.yaml: -: not valid YAML: /),
      'templates/y.yaml: -: document is not a Kubernetes object (not a map)',
    ]);
  });

  it('parses image tags and credential-like key names', () => {
    expect(imageTag('nginx')).toBeUndefined();
    expect(imageTag('registry:5000/nginx')).toBeUndefined();
    expect(imageTag('registry:5000/nginx:1.2')).toBe('1.2');
    expect(imageTag('nginx@sha256:abc')).toBeNull();
    for (const k of ['DB_PASSWORD', 'SECRET_KEY', 'CODE_EXECUTION_API_KEY', 'HF_TOKEN', 'password']) expect(SECRET_KEY_PATTERN.test(k), k).toBe(true);
    for (const k of ['DB_HOST', 'INDEXING_MAX_SEGMENTATION_TOKENS_LENGTH', 'nginx.conf', 'KEY_PREFIX']) expect(SECRET_KEY_PATTERN.test(k), k).toBe(false);
  });
});

describe('lint: duplicates', () => {
  it('reports two objects of the same group, kind and name', async () => {
    const cm = (src: string) => `---\n# Source: dify/templates/${src}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\ndata: {}\n`;
    const { docs } = textDocs(cm('a.yaml') + cm('b.yaml'));
    expect((await lintObjects(docs)).map(formatFinding)).toEqual(['templates/b.yaml: ConfigMap/same: duplicate object (also rendered by templates/a.yaml)']);
  });
});

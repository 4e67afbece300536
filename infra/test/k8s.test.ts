import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { ENV_OVERRIDES } from '../../apps/server/src/config/env.ts';
import { run } from './support/podman.ts';

/**
 * infra/k8s: both overlays render with kustomize (kubectl kustomize) and
 * every object is checked against the Kubernetes API schemas twice: by the
 * validators kubernetes-models generates from the OpenAPI document (types,
 * formats, required fields), and by TypeScript against the same models'
 * types (an object literal with a misspelt or unknown field does not
 * compile, which the validators let pass). Then what an operator would check
 * by reading: probes, resources, non-root read-only containers, a drain on
 * preStop, and network policies that select the pods they mean.
 */
const K8S_DIR = fileURLToPath(new URL('../k8s/', import.meta.url));
const OVERLAYS = ['small', 'production'] as const;
type Overlay = (typeof OVERLAYS)[number];
/** Secrets the manifests read that something else makes: cert-manager for the Ingress, CloudNativePG for its cluster. */
const EXTERNAL_SECRETS = ['conexizan-tls', 'conexizan-db-app'];
/** Variables the manifests set that the server does not read yet (none since cluster mode, issue 13). */
const PENDING_OPTIONS: Record<string, string> = {};

/** What every rendered object has; the kinds the tests read closely get their API types through `only`. */
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}
type Labels = Record<string, string>;
interface Kinds {
  ConfigMap: IConfigMap;
  Deployment: IDeployment;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  Ingress: IIngress;
  Namespace: INamespace;
  NetworkPolicy: INetworkPolicy;
  PersistentVolumeClaim: IPersistentVolumeClaim;
  PodDisruptionBudget: IPodDisruptionBudget;
  Secret: ISecret;
  Service: IService;
}

let workdir: string;
const rendered = {} as Record<Overlay, K8sObject[]>;

async function render(overlayDir: string): Promise<K8sObject[]> {
  const result = await run('kubectl', ['kustomize', overlayDir], { timeoutMs: 60_000 }).catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }));
  if (result.code !== 0) throw new Error(`kubectl kustomize ${overlayDir} failed (kubectl with kustomize v4 or later is needed):\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject).filter(Boolean).map(unwrapBase64);
}

/**
 * kustomize folds long base64 values over several lines. The API server's
 * decoder skips the line breaks; the schema validators' "byte" format does
 * not, so they are joined before validation.
 */
function unwrapBase64(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  return { ...object, data: Object.fromEntries(Object.entries(object.data).map(([key, value]) => [key, value.replace(/\s+/g, '')])) };
}

/** A copy of infra/k8s whose overlays have secrets.env made from their examples, as an operator would. */
function prepareCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'cnx-k8s-'));
  cpSync(K8S_DIR, copy, { recursive: true });
  for (const overlay of OVERLAYS) {
    const example = readFileSync(join(copy, 'overlays', overlay, 'secrets.env.example'), 'utf8');
    writeFileSync(join(copy, 'overlays', overlay, 'secrets.env'), example.replace(/^(\w+)=$/gm, '$1=test-value').replace(/CHANGE-ME/g, 'test-password'));
  }
  return copy;
}

beforeAll(async () => {
  const version = await run('kubectl', ['version', '--client', '-o', 'json']).catch(() => null);
  const kustomize = version?.code === 0 ? (JSON.parse(version.stdout) as { kustomizeVersion?: string }).kustomizeVersion : undefined;
  if (!kustomize || !/^v[4-9]|^v\d{2}/.test(kustomize)) throw new Error(`kubectl with kustomize v4 or later is needed (found ${kustomize ?? 'no kubectl'})`);
  workdir = prepareCopy();
  for (const overlay of OVERLAYS) rendered[overlay] = await render(join(workdir, 'overlays', overlay));
});

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

function only<K extends keyof Kinds>(objects: K8sObject[], kind: K, name?: string): Kinds[K] & K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as Kinds[K] & K8sObject;
}

function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** The kubernetes-models module of an object's type, e.g. kubernetes-models/apps/v1/Deployment. */
const modelPath = (object: K8sObject) => `kubernetes-models/${object.apiVersion}/${object.kind}`;

describe.each(OVERLAYS)('the %s overlay', (overlay) => {
  const objects = () => rendered[overlay];
  const deployment = () => only(objects(), 'Deployment', 'conexizan');
  const podLabels = () => deployment().spec!.template.metadata!.labels!;
  const pod = () => deployment().spec!.template.spec!;
  const server = () => pod().containers[0]!;
  const config = () => only(objects(), 'ConfigMap').data!;

  it('renders, and every object passes the API schema validators', async () => {
    const kinds = objects().map((o) => o.kind);
    for (const kind of ['Namespace', 'Deployment', 'Service', 'Ingress', 'ConfigMap', 'Secret', 'NetworkPolicy', 'PersistentVolumeClaim']) expect(kinds).toContain(kind);
    for (const object of objects()) {
      const module = (await import(modelPath(object))) as Record<string, new (data: unknown) => { validate(): void }>;
      const Model = module[object.kind]!;
      expect(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('has no field the API does not define (TypeScript against the API types)', () => {
    const require = createRequire(import.meta.url);
    const source = objects()
      .map((object, i) => `import type { I${object.kind} as T${i} } from '${modelPath(object)}';\nexport const o${i}: T${i} = ${JSON.stringify(object, null, 1)};\n`)
      .join('');
    const file = join(dirname(require.resolve('kubernetes-models/package.json')), '..', `conexizan-${overlay}-check.ts`);
    const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => (name === file ? source : readFile(name));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('gives every container probes on /health, resource requests and limits, and a non-root read-only root filesystem', () => {
    const podSecurity = pod().securityContext!;
    expect(podSecurity).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(podSecurity.runAsUser).toBeGreaterThan(0);
    for (const container of [...(pod().initContainers ?? []), ...pod().containers]) {
      expect(container.readinessProbe?.httpGet?.path, container.name).toBe('/health');
      expect(container.livenessProbe?.httpGet?.path, container.name).toMatch(/^\/health/);
      for (const kind of ['requests', 'limits'] as const) for (const resource of ['cpu', 'memory']) expect(container.resources?.[kind]?.[resource], `${container.name} ${kind}.${resource}`).toBeDefined();
      expect(container.securityContext, container.name).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(container.securityContext?.runAsUser ?? podSecurity.runAsUser).toBe(10001);
      // The only writable places: the data volume and an emptyDir for /tmp.
      const mounts = (container.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
      expect(mounts.sort()).toEqual(['/tmp', '/var/lib/conexizan']);
    }
    // The probes' port is the HTTP listener.
    const port = server().ports?.find((p) => p.name === server().readinessProbe?.httpGet?.port);
    expect(port?.containerPort).toBe(5280);
  });

  it('drains on preStop and gives the drain and the stop time to finish', () => {
    expect(server().lifecycle?.preStop?.exec?.command).toEqual(['conexizan', 'drain']);
    expect(pod().terminationGracePeriodSeconds).toBeGreaterThan(Number(config().CONEXIZAN_SHUTDOWN_GRACE_SECONDS) + 10);
  });

  it('reads its configuration and secrets from objects that exist, with options the server knows', () => {
    const names = (kind: string) => objects().filter((o) => o.kind === kind).map((o) => o.metadata.name);
    for (const source of server().envFrom ?? []) expect(names('ConfigMap')).toContain(source.configMapRef?.name);
    const variables = [...Object.keys(config()), ...(server().env ?? []).map((e) => e.name)];
    for (const name of variables) if (!(name in PENDING_OPTIONS)) expect(Object.keys(ENV_OVERRIDES), name).toContain(name);
    for (const variable of server().env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref || EXTERNAL_SECRETS.includes(ref.name!)) continue;
      const secret = only(objects(), 'Secret', ref.name);
      expect(Object.keys(secret.data ?? {}), `${variable.name} from ${ref.name}`).toContain(ref.key);
      expect(ref.optional ?? false, `${variable.name} must not silently fall back`).toBe(false);
    }
    for (const volume of pod().volumes ?? []) {
      if (volume.persistentVolumeClaim) expect(names('PersistentVolumeClaim')).toContain(volume.persistentVolumeClaim.claimName);
      if (volume.secret) expect([...names('Secret'), ...EXTERNAL_SECRETS]).toContain(volume.secret.secretName);
    }
    // Nothing secret in the ConfigMap.
    expect(Object.keys(config()).filter((key) => /SECRET|TOKEN|PASSWORD|DATABASE_URL|REDIS_URL/.test(key))).toEqual([]);
    // The Ingress controller and the kubelet's probes reach the plain HTTP listener over the pod network.
    expect(config().CONEXIZAN_HTTP_BIND).toBe('0.0.0.0');
  });

  it('exposes XMPP on a LoadBalancer and HTTP on a ClusterIP behind an Ingress, all selecting the pods', () => {
    const xmpp = only(objects(), 'Service', 'conexizan-xmpp').spec!;
    expect(xmpp.type).toBe('LoadBalancer');
    expect(xmpp.externalTrafficPolicy).toBe('Local');
    expect(xmpp.ports!.map((p) => p.port).sort()).toEqual([5222, 5223, 5269]);
    const http = only(objects(), 'Service', 'conexizan-http').spec!;
    expect(http.type).toBe('ClusterIP');
    const portNames = (server().ports ?? []).map((p) => p.name);
    for (const service of [xmpp, http]) {
      expect(selects(service.selector, podLabels())).toBe(true);
      for (const port of service.ports ?? []) expect(portNames).toContain(port.targetPort);
    }
    const ingress = only(objects(), 'Ingress');
    const rule = ingress.spec!.rules![0]!;
    const backend = rule.http!.paths[0]!.backend.service!;
    expect(backend.name).toBe('conexizan-http');
    expect(http.ports!.map((p) => p.name)).toContain(backend.port!.name);
    // The domain is named once: the Ingress and the upload URL follow the ConfigMap.
    const domain = config().CONEXIZAN_DOMAIN;
    expect(rule.host).toBe(domain);
    expect(ingress.spec!.tls![0]!.hosts).toEqual([domain]);
    expect(config().CONEXIZAN_UPLOAD_URL).toBe(`https://${domain}`);
    // Long-lived WebSocket streams get through.
    expect(Number(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
  });

  it('lets only the Conexizan pods reach PostgreSQL and Redis', () => {
    const policies = objects().filter((o) => o.kind === 'NetworkPolicy') as (INetworkPolicy & K8sObject)[];
    const ours = policies.find((p) => selects(p.spec!.podSelector?.matchLabels, podLabels()));
    expect(ours, 'a policy for the Conexizan pods').toBeDefined();
    expect(ours!.spec!.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
    const stores = overlay === 'production' ? [{ name: 'conexizan-postgresql', port: 5432 }, { name: 'conexizan-redis', port: 6379 }] : [{ name: 'conexizan-postgresql', port: 5432 }];
    for (const { name, port } of stores) {
      const policy = only(objects(), 'NetworkPolicy', name).spec!;
      // Not the Conexizan pods themselves: the database's.
      expect(selects(policy.podSelector?.matchLabels, podLabels()), `${name} selects the database pods, not ours`).toBe(false);
      const rulesForPort = (policy.ingress ?? []).filter((rule) => (rule.ports ?? []).some((p) => p.port === port));
      // No rule for the port is open to everyone.
      expect(rulesForPort.every((rule) => (rule.from ?? []).length > 0), `${name}: no rule without "from"`).toBe(true);
      const peers = rulesForPort.flatMap((rule) => rule.from ?? []);
      expect(peers.some((peer) => !peer.namespaceSelector && peer.podSelector && selects(peer.podSelector.matchLabels, podLabels()))).toBe(true);
      for (const peer of peers) {
        expect(peer.ipBlock, `${name} admits an address block`).toBeUndefined();
        const conexizan = !peer.namespaceSelector && !!peer.podSelector && selects(peer.podSelector.matchLabels, podLabels());
        const itself = !peer.namespaceSelector && JSON.stringify(peer.podSelector) === JSON.stringify(policy.podSelector);
        const operator = !peer.podSelector && peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'cnpg-system';
        expect(conexizan || itself || operator, `${name} admits ${JSON.stringify(peer)}`).toBe(true);
      }
      // Our egress toward it matches its pods.
      const egress = (ours!.spec!.egress ?? []).find((rule) => (rule.ports ?? []).some((p) => p.port === port));
      expect(JSON.stringify(egress?.to?.[0]?.podSelector)).toBe(JSON.stringify(policy.podSelector));
    }
  });

  it('keeps the pods under the "restricted" Pod Security Standard of its namespace', () => {
    const namespace = only(objects(), 'Namespace');
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of objects()) if (object.kind !== 'Namespace') expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe(namespace.metadata.name);
  });
});

describe('the overlays differ where they should', () => {
  it('small: one node, replaced (not rolled) over its ReadWriteOnce volume, no Redis, no autoscaler', () => {
    const objects = rendered.small;
    const deployment = only(objects, 'Deployment').spec!;
    expect(deployment.replicas).toBe(1);
    expect(deployment.strategy?.type).toBe('Recreate');
    expect(only(objects, 'PersistentVolumeClaim').spec!.accessModes).toEqual(['ReadWriteOnce']);
    expect(objects.filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind))).toEqual([]);
    expect(JSON.stringify(objects)).not.toContain('REDIS');
  });

  it('production: several nodes in cluster mode, scaled on CPU, a budget for disruptions, spread over zones', () => {
    const objects = rendered.production;
    const deployment = only(objects, 'Deployment');
    const hpa = only(objects, 'HorizontalPodAutoscaler').spec!;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.metrics![0]!.resource!.name).toBe('cpu');
    // The HPA owns the replica count.
    expect(deployment.spec!.replicas).toBeUndefined();
    const pdb = only(objects, 'PodDisruptionBudget').spec!;
    expect(selects(pdb.selector!.matchLabels, deployment.spec!.template.metadata!.labels)).toBe(true);
    expect(pdb.maxUnavailable).toBe(1);
    expect(only(objects, 'PersistentVolumeClaim').spec!.accessModes).toEqual(['ReadWriteMany']);
    const pod = deployment.spec!.template.spec!;
    expect((pod.containers[0]!.env ?? []).map((e) => e.name)).toContain('CONEXIZAN_REDIS_URL');
    expect((pod.topologySpreadConstraints ?? []).map((c) => c.topologyKey)).toContain('topology.kubernetes.io/zone');
  });

  it('an overlay names the domain once and everything follows', async () => {
    const copy = prepareCopy();
    try {
      const file = join(copy, 'overlays', 'small', 'kustomization.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('CONEXIZAN_DOMAIN=chat.example.org', 'CONEXIZAN_DOMAIN=talk.example.net'));
      const objects = await render(join(copy, 'overlays', 'small'));
      expect(only(objects, 'Ingress').spec!.rules![0]!.host).toBe('talk.example.net');
      expect(only(objects, 'ConfigMap').data!.CONEXIZAN_UPLOAD_URL).toBe('https://talk.example.net');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('commits no secrets: only the examples are in the repository', () => {
    for (const overlay of OVERLAYS) {
      const files = readdirSync(join(K8S_DIR, 'overlays', overlay));
      expect(files).toContain('secrets.env.example');
    }
    expect(readFileSync(join(K8S_DIR, '.gitignore'), 'utf8')).toMatch(/^secrets\.env$/m);
  });
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer, IEnvVar } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm, REPO_ROOT } from '../../scripts/ensure-helm.js';

const run = promisify(execFile);
const chart = path.join(REPO_ROOT, 'helm/memfabric');
const ciValues = ['minimal-values.yaml', 'production-values.yaml', 'existing-secrets-values.yaml'];
const services = ['ingest', 'gateway', 'audit', 'projector'] as const;
const minimal = path.join(chart, 'ci/minimal-values.yaml');

/** A rendered manifest: the fields every Kubernetes object has, the rest as parsed. */
interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Validators of each kind the chart renders (offline JSON schemas of kubernetes-models). */
const validators: Record<string, (manifest: Manifest) => void> = {
  'apps/v1/Deployment': (m) => new Deployment(m).validate(),
  'autoscaling/v2/HorizontalPodAutoscaler': (m) => new HorizontalPodAutoscaler(m as never).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (m) => new NetworkPolicy(m).validate(),
  'policy/v1/PodDisruptionBudget': (m) => new PodDisruptionBudget(m).validate(),
  'v1/Pod': (m) => new Pod(m).validate(),
  'v1/Secret': (m) => new Secret(m).validate(),
  'v1/Service': (m) => new Service(m).validate(),
  'v1/ServiceAccount': (m) => new ServiceAccount(m).validate(),
  'keda.sh/v1alpha1/ScaledObject': (m) => new ScaledObject(m as never).validate(),
};

let helmBin = '';
let scratch = '';

/** Runs helm; never throws: the exit code and both streams come back. */
async function helm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(helmBin, args, { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** `helm template` of the chart with these arguments, parsed and validated against the Kubernetes schemas. */
async function render(...args: string[]): Promise<Manifest[]> {
  const result = await helm('template', 'mf', chart, ...args);
  if (result.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${result.stderr}`);
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map(String).join('; ')}`);
    const manifest = doc.toJS() as Manifest | null;
    if (manifest === null) continue;
    const key = `${manifest.apiVersion}/${manifest.kind}`;
    const validate = validators[key];
    if (!validate) throw new Error(`no schema for ${key} (${manifest.metadata.name}): add its validator`);
    try {
      validate(manifest);
    } catch (error) {
      throw new Error(`${key} ${manifest.metadata.name} is invalid: ${String(error)}`, { cause: error });
    }
    manifests.push(manifest);
  }
  return manifests;
}

const ofKind = <T = Manifest>(manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind) as unknown as (T & Manifest)[];
const named = (manifests: Manifest[], kind: string, component: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === `mf-memfabric-${component}`);
  if (!found) throw new Error(`no ${kind} mf-memfabric-${component}`);
  return found;
};

interface DeploymentShape {
  spec: {
    replicas?: number;
    template: {
      spec: {
        automountServiceAccountToken?: boolean;
        securityContext: Record<string, unknown>;
        containers: IContainer[];
        volumes: { name: string; emptyDir?: object; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
      };
    };
  };
}

const deployment = (manifests: Manifest[], component: string) => named(manifests, 'Deployment', component) as unknown as DeploymentShape;
const container = (d: DeploymentShape) => d.spec.template.spec.containers[0]!;
const env = (d: DeploymentShape): Map<string, IEnvVar> => new Map((container(d).env ?? []).map((e) => [e.name, e]));

beforeAll(async () => {
  helmBin = await ensureHelm();
  scratch = mkdtempSync(path.join(tmpdir(), 'memfabric-chart-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('helm/memfabric', () => {
  const rendered = new Map<string, Manifest[]>();

  it.each(ciValues)('%s: lints, renders and every manifest matches its Kubernetes schema', async (file) => {
    const lint = await helm('lint', chart, '-f', path.join(chart, 'ci', file));
    expect(lint.stdout + lint.stderr).toContain('0 chart(s) failed');
    expect(lint.code).toBe(0);
    const manifests = await render('-f', path.join(chart, 'ci', file));
    rendered.set(file, manifests);
    expect(ofKind(manifests, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(services.map((s) => `mf-memfabric-${s}`).sort());
  });

  it.each(ciValues)('%s: probes, security context and writable volumes match the image', (file) => {
    const manifests = rendered.get(file)!;
    for (const service of services) {
      const d = deployment(manifests, service);
      const c = container(d);
      expect(c.args).toEqual([service]);
      expect(c.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(c.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(c.startupProbe?.httpGet?.path).toBe('/health/live');
      const pod = d.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
      for (const dir of ['/data', '/tmp']) expect(pod.volumes.find((v) => v.name === mounts.get(dir))?.emptyDir, `${service} ${dir}`).toBeDefined();
      expect(env(d).get('MEMFABRIC_DATA_DIR')?.value).toBe('/data');
      expect(c.ports?.[0]?.containerPort).toBe(Number(env(d).get(`MEMFABRIC_${service.toUpperCase()}_PORT`)?.value));
    }
    const accounts = ofKind<{ automountServiceAccountToken?: boolean }>(manifests, 'ServiceAccount');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.automountServiceAccountToken).toBe(false);
  });

  it.each(ciValues)('%s: secrets reach the services only as mounted files named by _FILE variables', (file) => {
    const manifests = rendered.get(file)!;
    for (const service of services) {
      const d = deployment(manifests, service);
      const variables = env(d);
      for (const secret of ['MEMFABRIC_MASTER_KEY', 'MEMFABRIC_ADMIN_TOKEN', 'MEMFABRIC_NEO4J_PASSWORD', 'MEMFABRIC_CLICKHOUSE_PASSWORD', 'MEMFABRIC_QDRANT_API_KEY', 'MEMFABRIC_KAFKA_SASL_PASSWORD']) {
        expect(variables.has(secret), `${service} sets ${secret} directly`).toBe(false);
      }
      const secretVolume = d.spec.template.spec.volumes.find((v) => v.secret);
      const mount = container(d).volumeMounts?.find((m) => m.name === secretVolume?.name);
      expect(mount?.readOnly).toBe(true);
      const items = new Set((secretVolume?.secret?.items ?? []).map((i) => `${mount?.mountPath}/${i.path}`));
      const files = [...variables.values()].filter((v) => v.name.endsWith('_FILE')).map((v) => v.value);
      expect(files.length).toBeGreaterThan(0);
      // every _FILE names a mounted key, and every mounted key is read through a _FILE
      expect(new Set(files)).toEqual(items);
      expect(variables.get('MEMFABRIC_MASTER_KEY_FILE')).toBeDefined();
      expect(variables.has('MEMFABRIC_AUDIT_SIGNING_KEY_FILE')).toBe(service === 'audit');
    }
  });

  it('renders a Secret from the values when no existing Secret is named', () => {
    const manifests = rendered.get('minimal-values.yaml')!;
    const [secret] = ofKind<{ data: Record<string, string> }>(manifests, 'Secret');
    const values = parse(readFileSync(minimal, 'utf8')) as { secrets: { masterKey: string; adminToken: string; auditSigningKey: string } };
    expect(Object.keys(secret!.data).sort()).toEqual(['admin-token', 'audit-signing-key', 'master-key']);
    expect(Buffer.from(secret!.data['master-key']!, 'base64').toString()).toBe(values.secrets.masterKey);
    expect(Buffer.from(secret!.data['audit-signing-key']!, 'base64').toString()).toBe(values.secrets.auditSigningKey);
    for (const service of services) expect(deployment(manifests, service).spec.template.spec.volumes.find((v) => v.secret)?.secret?.secretName).toBe('mf-memfabric-secrets');
  });

  it('uses an existing Secret without rendering one, mounting the keys each service reads', () => {
    const manifests = rendered.get('existing-secrets-values.yaml')!;
    expect(ofKind(manifests, 'Secret')).toEqual([]);
    const keys = (service: string) => {
      const volume = deployment(manifests, service).spec.template.spec.volumes.find((v) => v.secret);
      expect(volume?.secret?.secretName).toBe('memfabric-credentials');
      return (volume?.secret?.items ?? []).map((i) => i.key).sort();
    };
    expect(keys('ingest')).toEqual(['admin-token', 'master-key']);
    expect(keys('gateway')).toEqual(['admin-token', 'clickhouse-password', 'master-key', 'neo4j-password']);
    expect(keys('audit')).toEqual(['admin-token', 'audit-signing-key', 'clickhouse-password', 'master-key', 'neo4j-password']);
    expect(keys('projector')).toEqual(['admin-token', 'clickhouse-password', 'master-key', 'neo4j-password']);
  });

  it('production: autoscalers own the replica counts, every service has a disruption budget', () => {
    const manifests = rendered.get('production-values.yaml')!;
    const hpas = ofKind<{ spec: { maxReplicas: number; metrics: { type: string; resource?: { name: string }; external?: { metric: { name: string } } }[] } }>(manifests, 'HorizontalPodAutoscaler');
    const gateway = hpas.find((h) => h.metadata.name === 'mf-memfabric-gateway');
    expect(gateway?.spec.metrics[0]).toMatchObject({ type: 'Resource', resource: { name: 'cpu' } });
    const projector = hpas.find((h) => h.metadata.name === 'mf-memfabric-projector');
    expect(projector?.spec.metrics[0]).toMatchObject({ type: 'External', external: { metric: { name: 'kafka_consumergroup_lag' } } });
    expect(projector?.spec.maxReplicas).toBe(12);
    expect(deployment(manifests, 'gateway').spec.replicas).toBeUndefined();
    expect(deployment(manifests, 'projector').spec.replicas).toBeUndefined();
    expect(deployment(manifests, 'ingest').spec.replicas).toBe(3);
    expect(ofKind(manifests, 'PodDisruptionBudget').map((p) => p.metadata.name).sort()).toEqual(services.map((s) => `mf-memfabric-${s}`).sort());
  });

  it('production: each service reaches only DNS, Kafka and the stores it reads; the projector takes ingress for metrics only', () => {
    const manifests = rendered.get('production-values.yaml')!;
    type Rule = { to?: unknown[]; from?: unknown[]; ports?: { port: number | string; protocol: string }[] };
    const policy = (service: string) => named(manifests, 'NetworkPolicy', service) as unknown as { spec: { policyTypes: string[]; ingress: Rule[]; egress: Rule[] } };
    const egressPorts = (service: string) => new Set(policy(service).spec.egress.flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol}/${p.port}`)));
    const common = ['UDP/53', 'TCP/53', 'TCP/9093', 'TCP/4318', 'TCP/443'];
    expect(egressPorts('ingest')).toEqual(new Set(common));
    expect(egressPorts('gateway')).toEqual(new Set([...common, 'TCP/6333', 'TCP/7687', 'TCP/8443']));
    expect(egressPorts('audit')).toEqual(new Set([...common, 'TCP/7687', 'TCP/8443']));
    expect(egressPorts('projector')).toEqual(new Set([...common, 'TCP/6333', 'TCP/7687', 'TCP/8443']));
    for (const service of services) {
      expect(policy(service).spec.policyTypes).toEqual(['Ingress', 'Egress']);
      for (const rule of policy(service).spec.ingress) expect(rule.from?.length, `${service}: an ingress rule without peers admits everyone`).toBeGreaterThan(0);
    }
    // the projector: one rule, the monitoring namespace
    expect(policy('projector').spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
    // ingest, gateway, audit: the allowed namespaces, this release's MCP and test pods, monitoring
    expect(policy('gateway').spec.ingress).toHaveLength(3);
  });

  it('has a helm test that waits for gateway readiness and sends one recall', () => {
    const pods = ofKind<{ spec: { containers: IContainer[] } }>(rendered.get('minimal-values.yaml')!, 'Pod');
    expect(pods).toHaveLength(1);
    expect(pods[0]!.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const script = pods[0]!.spec.containers[0]!.args!.join('\n');
    expect(script).toContain("'/health/ready'");
    expect(script).toContain("'/v1/recall'");
    expect(pods[0]!.spec.containers[0]!.env?.find((e) => e.name === 'GATEWAY_URL')?.value).toBe('http://mf-memfabric-gateway:8082');
  });

  it('scales projectors with KEDA behind projector.autoscaling.keda.enabled', async () => {
    const manifests = await render('-f', minimal, '--set', 'projector.autoscaling.enabled=true,projector.autoscaling.keda.enabled=true');
    const [scaled] = ofKind<{ spec: { maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string> }[] } }>(manifests, 'ScaledObject');
    expect(scaled?.spec.maxReplicaCount).toBe(6);
    expect(scaled?.spec.triggers[0]).toMatchObject({ type: 'kafka', metadata: { topic: 'memfabric.events', consumerGroup: 'projection:extraction:g1', allowIdleConsumers: 'false' } });
    expect(ofKind(manifests, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('refuses more projector replicas than partitions, naming both values', async () => {
    const replicas = await helm('template', 'mf', chart, '-f', minimal, '--set', 'projector.replicas=7');
    expect(replicas.code).not.toBe(0);
    expect(replicas.stderr).toContain('projector.replicas (7) exceeds kafka.partitions (6)');
    const autoscaled = await helm('template', 'mf', chart, '-f', minimal, '--set', 'projector.autoscaling.enabled=true,projector.autoscaling.maxReplicas=8,kafka.partitions=4,projector.replicas=1');
    expect(autoscaled.code).not.toBe(0);
    expect(autoscaled.stderr).toContain('projector.autoscaling.maxReplicas (8) exceeds kafka.partitions (4)');
  });

  it('rejects a mistyped value through the schema, naming the value', async () => {
    const typed = await helm('template', 'mf', chart, '-f', minimal, '--set-string', 'gateway.replicas=two');
    expect(typed.code).not.toBe(0);
    expect(typed.stderr).toMatch(/\/gateway\/replicas.*got string, want integer/);
    const typo = path.join(scratch, 'typo.yaml');
    writeFileSync(typo, 'gatway:\n  replicas: 2\n');
    const unknown = await helm('template', 'mf', chart, '-f', minimal, '-f', typo);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("additional properties 'gatway' not allowed");
  });

  it('names the missing secret value when neither it nor an existing Secret is given', async () => {
    const result = await helm('template', 'mf', chart, '--set', 'kafka.brokers=k:9092,secrets.adminToken=0123456789abcdef0');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('secrets.masterKey is required');
  });

  it('documents the development values file, which renders', async () => {
    const devValues = path.join(chart, 'values-dev.yaml');
    expect(readFileSync(devValues, 'utf8')).toMatch(/^# Development install/);
    const key = readFileSync(minimal, 'utf8');
    const minimalValues = parse(key) as { secrets: Record<string, string> };
    const secrets = path.join(scratch, 'dev-secrets.yaml');
    writeFileSync(secrets, `secrets: ${JSON.stringify({ ...minimalValues.secrets, neo4jPassword: 'dev-neo4j', clickhousePassword: 'dev-clickhouse' })}\n`);
    const manifests = await render('-f', devValues, '-f', secrets);
    expect(ofKind(manifests, 'Deployment')).toHaveLength(5); // mcp on in development
  });
});

describe('infra/docker-compose.yml', () => {
  const composeFile = path.join(REPO_ROOT, 'infra/docker-compose.yml');
  const binary = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((candidate) => existsSync(candidate));

  it.skipIf(binary === undefined)('validates with docker-compose config (skipped: no docker-compose binary; apt-get install docker-compose)', async () => {
    const result = await run(binary!, ['-f', composeFile, 'config', '-q']);
    expect(result.stderr).toBe('');
  });

  it('wires the services with the variable names the chart sets', async () => {
    const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, { environment: Record<string, string>; deploy?: { replicas: number }; secrets?: string[] }> };
    const manifests = await render('-f', minimal, '--set', 'qdrant.url=http://q:6333,neo4j.url=bolt://n:7687,clickhouse.url=http://c:8123,clickhouse.password=true,otel.endpoint=http://o:4318,projector.projections=extraction', '--set', 'secrets.neo4jPassword=n,secrets.clickhousePassword=c');
    for (const service of services) {
      const chartNames = new Set(env(deployment(manifests, service)).keys());
      const composeNames = Object.keys(compose.services[service]!.environment);
      expect(composeNames.filter((name) => !chartNames.has(name)), `${service}: set by compose, unknown to the chart`).toEqual([]);
      expect(composeNames).toContain('OTEL_SERVICE_NAME');
      expect(composeNames).toContain('MEMFABRIC_MASTER_KEY_FILE');
    }
    expect(compose.services['projector']!.deploy?.replicas).toBe(2);
    for (const backend of ['kafka', 'qdrant', 'neo4j', 'clickhouse', 'otel-collector', 'prometheus']) expect(compose.services[backend], backend).toBeDefined();
  });

  it('has Prometheus scrape every service', () => {
    const prometheus = parse(readFileSync(path.join(REPO_ROOT, 'infra/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; metrics_path?: string }[] };
    const jobs = prometheus.scrape_configs.map((c) => c.job_name);
    for (const service of services) expect(jobs).toContain(`memfabric-${service}`);
    expect(prometheus.scrape_configs.every((c) => (c.metrics_path ?? '/metrics') === '/metrics')).toBe(true);
  });
});

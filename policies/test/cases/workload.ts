/** Cases of the per-object rules: containers, images, secrets, identity, namespaces. */
import { containerOf, podOf, set, unset } from '../fixtures';
import type { RuleCase } from './types';

const POD = 'spec.template.spec';
const C0 = `${POD}.containers[0]`;
const D = 'Deployment/shop';
const TAGGED = 'registry.example.com/shop:2.0.0';

export const workloadCases: readonly RuleCase[] = [
  {
    rule: 'container-resources',
    name: 'no CPU limit, no memory request',
    mutate: (f) => {
      unset(containerOf(f.deployment), 'resources.limits.cpu');
      unset(containerOf(f.deployment), 'resources.requests.memory');
    },
    expect: [`${D} ${C0}.resources.limits.cpu`, `${D} ${C0}.resources.requests.memory`],
  },
  {
    rule: 'container-probes',
    name: 'no readiness probe',
    mutate: (f) => unset(containerOf(f.deployment), 'readinessProbe'),
    expect: [`${D} ${C0}.readinessProbe`],
  },
  {
    rule: 'container-probes',
    name: 'readiness and liveness call the same check',
    mutate: (f) =>
      set(containerOf(f.deployment), 'livenessProbe', {
        grpc: { port: 9000, service: 'ready' },
        periodSeconds: 30,
      }),
    expect: [`${D} ${C0}.livenessProbe`],
  },
  {
    rule: 'container-probes',
    name: 'Jobs need no probes',
    mutate: (f) =>
      f.all.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate', namespace: 'shop-prod' },
        spec: { template: { spec: { containers: [{ name: 'migrate', image: TAGGED }] } } },
      }),
    expect: [],
  },
  {
    rule: 'probe-ports',
    name: 'probe on an undeclared port and an unknown port name',
    mutate: (f) => {
      set(containerOf(f.deployment), 'livenessProbe', { tcpSocket: { port: 9999 } });
      set(containerOf(f.deployment), 'startupProbe', { httpGet: { path: '/', port: 'admin' } });
    },
    expect: [`${D} ${C0}.startupProbe.httpGet.port`, `${D} ${C0}.livenessProbe.tcpSocket.port`],
  },
  {
    rule: 'probe-ports',
    name: 'a named port passes',
    mutate: (f) => set(containerOf(f.deployment), 'livenessProbe', { httpGet: { port: 'http' } }),
    expect: [],
  },
  {
    rule: 'read-only-root-filesystem',
    name: 'writable root filesystem',
    mutate: (f) => set(containerOf(f.deployment), 'securityContext.readOnlyRootFilesystem', false),
    expect: [`${D} ${C0}.securityContext.readOnlyRootFilesystem`],
  },
  {
    rule: 'image-tag',
    name: 'latest tag',
    mutate: (f) => set(containerOf(f.deployment), 'image', 'registry.example.com/shop:latest'),
    expect: [`${D} ${C0}.image`],
  },
  {
    rule: 'image-tag',
    name: 'no tag, registry with a port',
    mutate: (f) => set(containerOf(f.deployment), 'image', 'registry.example.com:5000/shop'),
    expect: [`${D} ${C0}.image`],
  },
  {
    rule: 'image-tag',
    name: 'a version tag passes',
    mutate: (f) => set(containerOf(f.deployment), 'image', 'registry.example.com:5000/shop:2.0.0'),
    expect: [],
  },
  {
    rule: 'image-digest',
    name: 'tag only in prod (namespace label)',
    mutate: (f) => set(containerOf(f.deployment), 'image', TAGGED),
    expect: [`${D} ${C0}.image`],
  },
  {
    rule: 'image-digest',
    name: 'tag only in an unknown environment (no label): judged as prod',
    mutate: (f) => {
      set(containerOf(f.deployment), 'image', TAGGED);
      unset(f.namespace, 'metadata.labels["user-platform.example.com/environment"]');
    },
    expect: [`${D} ${C0}.image`],
  },
  {
    rule: 'image-digest',
    name: 'tag only in dev passes',
    mutate: (f) => {
      set(containerOf(f.deployment), 'image', TAGGED);
      set(f.namespace, 'metadata.labels["user-platform.example.com/environment"]', 'dev');
    },
    expect: [],
  },
  {
    rule: 'image-digest',
    name: 'the gate may name the environment explicitly',
    mutate: (f) => set(containerOf(f.deployment), 'image', TAGGED),
    options: { target: 'gitops', environment: 'dev' },
    expect: [],
  },
  {
    rule: 'secret-plaintext',
    name: 'Secret with data and stringData in GitOps output',
    mutate: (f) =>
      f.all.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shop', namespace: 'shop-prod' },
        data: { db: 'aHVudGVyMg==' },
        stringData: { redis: 'hunter2' },
      }),
    expect: ['Secret/shop data', 'Secret/shop stringData'],
  },
  {
    rule: 'secret-plaintext',
    name: 'the Pulumi path may create Secrets from encrypted config',
    mutate: (f) =>
      f.all.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'shop', namespace: 'shop-prod' },
        stringData: { db: 'from-pulumi-config' },
      }),
    options: { target: 'pulumi' },
    expect: [],
  },
  {
    rule: 'env-literal-secret',
    name: 'literal password, API key and private key',
    mutate: (f) =>
      set(containerOf(f.deployment), 'env', [
        { name: 'DB_PASSWORD', value: 'hunter2' },
        { name: 'STRIPE_API_KEY', value: 'sk_live_1' },
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'TLS', value: '-----BEGIN RSA PRIVATE KEY-----\nMII' },
      ]),
    expect: [`${D} ${C0}.env[0].value`, `${D} ${C0}.env[1].value`, `${D} ${C0}.env[3].value`],
  },
  {
    rule: 'env-literal-secret',
    name: 'names that merely contain "key" pass',
    mutate: (f) =>
      set(containerOf(f.deployment), 'env', [{ name: 'KEYCLOAK_URL', value: 'https://id' }]),
    expect: [],
  },
  {
    rule: 'service-account',
    name: 'default service account with the token mounted',
    mutate: (f) => {
      unset(podOf(f.deployment), 'serviceAccountName');
      unset(podOf(f.deployment), 'automountServiceAccountToken');
    },
    expect: [`${D} ${POD}.automountServiceAccountToken`, `${D} ${POD}.serviceAccountName`],
  },
  {
    rule: 'service-account-automount',
    name: 'ServiceAccount that automounts',
    mutate: (f) => unset(f.serviceAccount, 'automountServiceAccountToken'),
    expect: ['ServiceAccount/shop automountServiceAccountToken'],
  },
  {
    rule: 'namespace-explicit',
    name: 'no namespace, and the default namespace',
    mutate: (f) => {
      unset(f.service, 'metadata.namespace');
      set(f.externalSecret, 'metadata.namespace', 'default');
    },
    expect: ['Service/shop metadata.namespace', 'ExternalSecret/shop metadata.namespace'],
  },
  {
    rule: 'label-name',
    name: 'object and pod template without app.kubernetes.io/name',
    mutate: (f) => {
      unset(f.deployment, 'metadata.labels["app.kubernetes.io/name"]');
      set(f.deployment, 'spec.template.metadata.labels', { team: 'shop' });
    },
    expect: [
      `${D} metadata.labels["app.kubernetes.io/name"]`,
      `${D} spec.template.metadata.labels["app.kubernetes.io/name"]`,
    ],
  },
  {
    rule: 'namespace-psa-restricted',
    name: 'baseline namespace',
    mutate: (f) =>
      set(f.namespace, 'metadata.labels["pod-security.kubernetes.io/enforce"]', 'baseline'),
    expect: ['Namespace/shop-prod metadata.labels["pod-security.kubernetes.io/enforce"]'],
  },
  {
    rule: 'namespace-environment-label',
    name: 'unknown environment name',
    mutate: (f) =>
      set(f.namespace, 'metadata.labels["user-platform.example.com/environment"]', 'production'),
    expect: ['Namespace/shop-prod metadata.labels["user-platform.example.com/environment"]'],
  },
];

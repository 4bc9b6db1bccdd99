/** Who an object is and where it lives: service accounts, namespaces, labels. */
import { ENVIRONMENT_LABEL, isEnvironmentName } from '../core/context';
import { objectRule, podRule } from '../core/define';
import { field, str, stringMap } from '../core/fields';
import { podTemplateOf } from '../core/workloads';

export const serviceAccount = podRule(
  {
    id: 'service-account',
    severity: 'error',
    description:
      'Pods run as a dedicated ServiceAccount (not "default") and do not mount its API token.',
    remediation:
      "Set spec.serviceAccountName to the workload's own ServiceAccount and " +
      'spec.automountServiceAccountToken: false (mount a projected token only where needed).',
    sources: ['Polaris automountServiceAccountToken', 'Checkov CKV_K8S_38/CKV_K8S_41'],
  },
  (template) => {
    const name = str(template.spec.serviceAccountName) ?? str(template.spec.serviceAccount);
    const out = [];
    if (name === undefined || name === 'default') {
      out.push({
        path: field(template.specPath, 'serviceAccountName'),
        message:
          name === undefined
            ? 'pods run as the namespace\'s "default" ServiceAccount'
            : 'pods run as the "default" ServiceAccount',
      });
    }
    if (template.spec.automountServiceAccountToken !== false) {
      out.push({
        path: field(template.specPath, 'automountServiceAccountToken'),
        message: 'pods mount the ServiceAccount token (automountServiceAccountToken is not false)',
      });
    }
    return out;
  },
);

export const serviceAccountAutomount = objectRule(
  {
    id: 'service-account-automount',
    severity: 'warning',
    description: 'ServiceAccounts switch token automounting off by default.',
    remediation: 'Set automountServiceAccountToken: false on the ServiceAccount.',
    sources: ['Checkov CKV_K8S_38'],
  },
  (object) =>
    object.kind === 'ServiceAccount' &&
    object.apiVersion === 'v1' &&
    object.automountServiceAccountToken !== false
      ? [
          {
            path: 'automountServiceAccountToken',
            message: 'the ServiceAccount mounts its token into every pod that uses it',
          },
        ]
      : [],
);

/** Namespaces where application objects do not belong. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Built-in cluster-scoped kinds; for custom resources, a `Cluster` prefix is taken as the hint. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'VolumeAttachment',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
]);

/** Whether objects of a kind live outside namespaces. */
export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind) || kind.startsWith('Cluster');
}

export const explicitNamespace = objectRule(
  {
    id: 'namespace-explicit',
    severity: 'error',
    description: 'Namespaced objects name their namespace explicitly, and it is not a system one.',
    remediation:
      'Set metadata.namespace to the environment namespace (never default or kube-*); an ' +
      'object without it lands wherever the applying tool points.',
    sources: ['Polaris (namespace checks in Insights)', 'Checkov CKV_K8S_21'],
  },
  (object) => {
    if (isClusterScoped(object.kind)) return [];
    const namespace = object.metadata.namespace;
    if (namespace === undefined || namespace === '') {
      return [{ path: 'metadata.namespace', message: 'the object names no namespace' }];
    }
    return SYSTEM_NAMESPACES.has(namespace)
      ? [{ path: 'metadata.namespace', message: `the object lives in ${namespace}` }]
      : [];
  },
);

const NAME_LABEL = 'app.kubernetes.io/name';

export const nameLabel = objectRule(
  {
    id: 'label-name',
    severity: 'error',
    description: `Every object and every pod template carries the ${NAME_LABEL} label.`,
    remediation: `Add the recommended labels (at least ${NAME_LABEL}) to metadata.labels.`,
    sources: ['Kubernetes recommended labels', 'kube-score label-values'],
  },
  (object) => {
    const out = [];
    if (object.metadata.labels?.[NAME_LABEL] === undefined) {
      out.push({
        path: `metadata.labels["${NAME_LABEL}"]`,
        message: `the object has no ${NAME_LABEL} label`,
      });
    }
    const template = podTemplateOf(object);
    if (template !== undefined && object.kind !== 'Pod') {
      if (stringMap(template.metadata.labels)[NAME_LABEL] === undefined) {
        out.push({
          path: `${template.metadataPath}.labels["${NAME_LABEL}"]`,
          message: `the pod template has no ${NAME_LABEL} label`,
        });
      }
    }
    return out;
  },
);

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

export const namespaceRestricted = objectRule(
  {
    id: 'namespace-psa-restricted',
    severity: 'error',
    description: 'Namespaces enforce the restricted Pod Security Standard.',
    remediation: `Label the Namespace ${PSA_ENFORCE}: restricted (and warn/audit the same).`,
    sources: ['Pod Security Admission'],
  },
  (object) =>
    object.kind === 'Namespace' &&
    object.apiVersion === 'v1' &&
    object.metadata.labels?.[PSA_ENFORCE] !== 'restricted'
      ? [
          {
            path: `metadata.labels["${PSA_ENFORCE}"]`,
            message: `the namespace enforces ${JSON.stringify(object.metadata.labels?.[PSA_ENFORCE] ?? 'privileged (no label)')}, not restricted`,
          },
        ]
      : [],
);

export const namespaceEnvironment = objectRule(
  {
    id: 'namespace-environment-label',
    severity: 'error',
    description: `A Namespace's ${ENVIRONMENT_LABEL} label, when present, names dev, staging or prod.`,
    remediation: `Set ${ENVIRONMENT_LABEL} to dev, staging or prod (it selects the rules for the namespace).`,
    sources: ['policies/README (evaluation context)'],
  },
  (object) => {
    const value = object.metadata.labels?.[ENVIRONMENT_LABEL];
    if (object.kind !== 'Namespace' || value === undefined || isEnvironmentName(value)) return [];
    return [
      {
        path: `metadata.labels["${ENVIRONMENT_LABEL}"]`,
        message: `unknown environment ${JSON.stringify(value)}: the namespace is judged as prod`,
      },
    ];
  },
);

/** The rule set every gate applies: cdk8s synth, `npm run policy`, the Pulumi policy pack, jest. */
import type { Rule } from '../core/types';
import { hpaNoStaticReplicas, hpaReplicaRange } from './autoscaling';
import { probePorts, probes, readOnlyRootFilesystem, resources } from './containers';
import { pdbAllowsDisruption, pdbRequired } from './disruption';
import { exemptionRule } from './exemptions';
import { gitopsPruneStateful } from './gitops';
import {
  explicitNamespace,
  nameLabel,
  namespaceEnvironment,
  namespaceRestricted,
  serviceAccount,
  serviceAccountAutomount,
} from './identity';
import { imageDigest, imageTag } from './images';
import { dbConnectionBudget } from './database';
import {
  networkPolicyCoverage,
  networkPolicyNamespaceWideIngress,
  workloadHostSpread,
} from './network';
import * as baseline from './pod-security-baseline';
import * as restricted from './pod-security-restricted';
import { selectorTargetsExist, serviceTargetPort } from './references';
import { topologySpreadTaints } from './scheduling';
import { envLiteralSecret, plaintextSecret } from './secrets';

/** The whole restricted Pod Security Standard (v1.28 profile), one rule per PSA check. */
export const POD_SECURITY_RULES: readonly Rule[] = [
  baseline.hostNamespaces,
  baseline.privileged,
  baseline.hostPathVolumes,
  baseline.hostPorts,
  baseline.appArmor,
  baseline.seLinux,
  baseline.procMount,
  baseline.sysctls,
  baseline.windowsHostProcess,
  restricted.volumeTypes,
  restricted.allowPrivilegeEscalation,
  restricted.capabilities,
  restricted.runAsNonRoot,
  restricted.runAsUser,
  restricted.seccomp,
];

const EXEMPTABLE: readonly Rule[] = [
  ...POD_SECURITY_RULES,
  resources,
  probes,
  probePorts,
  readOnlyRootFilesystem,
  imageTag,
  imageDigest,
  plaintextSecret,
  envLiteralSecret,
  serviceAccount,
  serviceAccountAutomount,
  explicitNamespace,
  nameLabel,
  namespaceRestricted,
  namespaceEnvironment,
  hpaNoStaticReplicas,
  hpaReplicaRange,
  pdbRequired,
  pdbAllowsDisruption,
  selectorTargetsExist,
  serviceTargetPort,
  networkPolicyCoverage,
  workloadHostSpread,
  gitopsPruneStateful,
  topologySpreadTaints,
  networkPolicyNamespaceWideIngress,
  dbConnectionBudget,
];

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  ...EXEMPTABLE,
  exemptionRule(new Set(EXEMPTABLE.map((r) => r.id))),
];

/** The rule of that id; throws a clear error for an unknown id. */
export function ruleById(id: string): Rule {
  const rule = RULES.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`unknown policy rule "${id}"`);
  return rule;
}

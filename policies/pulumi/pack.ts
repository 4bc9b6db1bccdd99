/**
 * The Pulumi policy pack: `pulumi preview --policy-pack policies` (policies/PulumiPolicy.yaml)
 * runs this module through policies/package.json → policies/pulumi/index.js → the esbuild
 * bundle lib/policy-pack.js. Creating the PolicyPack starts its gRPC server.
 */
import { PolicyPack } from '@pulumi/policy';
import { pulumiPolicies } from './policies';

new PolicyPack('user-platform-policies', {
  description:
    'The user-service platform rules (restricted Pod Security Standard, workload, image, ' +
    'secret and cross-object rules) over the Kubernetes resources of a stack.',
  enforcementLevel: 'mandatory',
  policies: pulumiPolicies(),
});

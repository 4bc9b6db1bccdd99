// `npm run policy -- <folder>...`: bundles the policies when their sources changed, then runs
// the CLI (policies/cli/main.ts). `--build-only` just refreshes the bundles that the cdk8s
// plugin (policies/cdk8s) and the Pulumi policy pack (policies/PulumiPolicy.yaml) load.
import { createRequire } from 'node:module';
import { buildLib } from './build.mjs';

/** The bundles of the policies; `@pulumi/*` stays external (it reads files next to itself). */
export const POLICY_BUNDLES = [
  { entry: 'policies/cli/cli.ts', outfile: 'lib/policy-cli.js' },
  { entry: 'policies/cdk8s/plugin.ts', outfile: 'lib/policy-cdk8s.js' },
  { entry: 'policies/pulumi/pack.ts', outfile: 'lib/policy-pack.js', external: ['@pulumi/*'] },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const buildOnly = process.argv[2] === '--build-only';
  for (const bundle of POLICY_BUNDLES) {
    if (buildOnly || bundle.outfile === 'lib/policy-cli.js') await buildLib(bundle);
  }
  if (!buildOnly) createRequire(import.meta.url)('../lib/policy-cli.js');
}

// Bundles the synth entry point (charts/cli.ts and everything it imports, cdk8s-plus-28
// included) into lib/synth.js with esbuild. No type-check here: `npm run typecheck` does that.
// One bundled file loads much faster than hundreds of modules, which keeps synth near the
// floor of loading cdk8s-plus-28 alone (see scripts/bench-synth.sh).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const OUTFILE = 'lib/synth.js';
const INPUTS = [
  'charts',
  'policies',
  'services/user-service/configs/env-contract.json',
  'services/user-service/configs/metrics.json',
  'package-lock.json',
  'scripts/build.mjs',
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** Rebuilds lib/synth.js (or another entry's bundle) when any input is newer than it (or when forced). */
export async function buildLib({
  force = false,
  entry = 'charts/cli.ts',
  outfile = OUTFILE,
  external = [],
} = {}) {
  if (
    !force &&
    existsSync(outfile) &&
    statSync(outfile).mtimeMs >= Math.max(...INPUTS.map(newestMtime))
  ) {
    return false;
  }
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    bundle: true,
    outfile,
    external,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildLib({ force: true });
}

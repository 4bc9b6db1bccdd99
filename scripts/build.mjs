// Transpiles the TypeScript sources that synth needs to lib/ with esbuild (no type-check:
// `npm run typecheck` does that). Keeps `npm run synth` fast and deterministic.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['charts', 'policies'];

function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__snapshots__' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

rmSync('lib', { recursive: true, force: true });
await build({
  entryPoints: roots.flatMap(sources),
  outdir: 'lib',
  outbase: '.',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
});

// `npm run gitops:publish`, `npm run diff`, `npm run synth:helm`: bundle charts/gitops/cli
// into lib/gitops.js when sources changed (like synth), then run the command named first.
import { createRequire } from 'node:module';
import { buildLib } from './build.mjs';

const OUTFILE = 'lib/gitops.js';
await buildLib({ entry: 'charts/gitops/cli/index.ts', outfile: OUTFILE });
createRequire(import.meta.url)(`../${OUTFILE}`);

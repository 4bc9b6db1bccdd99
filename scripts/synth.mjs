// `npm run synth [-- --env <name>] [--outdir <dir>]`: bundle when sources changed, then synth.
import { createRequire } from 'node:module';
import { buildLib, OUTFILE } from './build.mjs';

await buildLib();
createRequire(import.meta.url)(`../${OUTFILE}`);

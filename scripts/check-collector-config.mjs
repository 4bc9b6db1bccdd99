// `node scripts/check-collector-config.mjs <otelcol binary> [--env <name>]...`: runs the
// collector's own `validate` (tools/otelcol, built by tools/otelcol/build.sh) on the collector
// configuration of every rendered environment, and on a copy with an unknown processor, which
// must be refused. Exit 0: all as expected; 1: the report names what was not; 2: bad usage.
// The logic is charts/synth/check-collector-config.ts, bundled like synth (lib/).
import { createRequire } from 'node:module';
import { buildLib } from './build.mjs';

const OUTFILE = 'lib/check-collector-config.js';
await buildLib({ entry: 'charts/synth/check-collector-config.ts', outfile: OUTFILE });
const { main } = createRequire(import.meta.url)(`../${OUTFILE}`);
process.exitCode = main(process.argv.slice(2));

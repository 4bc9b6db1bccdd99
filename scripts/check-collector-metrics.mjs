// `node scripts/check-collector-metrics.mjs <otelcol binary> [--env <name>]`: runs the collector
// (tools/otelcol, built by tools/otelcol/build.sh) on an environment's generated configuration
// (default dev) on free loopback ports, pushes one OTLP metric over HTTP and scrapes the
// collector's own metrics port: the metrics pipeline must carry it and the endpoint count it.
// Exit 0: as expected; 1: the report names what was not; 2: bad usage.
// The logic is charts/synth/check-collector-metrics.ts, bundled like synth (lib/).
import { createRequire } from 'node:module';
import { buildLib } from './build.mjs';

const OUTFILE = 'lib/check-collector-metrics.js';
await buildLib({ entry: 'charts/synth/check-collector-metrics.ts', outfile: OUTFILE });
const { main } = createRequire(import.meta.url)(`../${OUTFILE}`);
process.exitCode = await main(process.argv.slice(2));

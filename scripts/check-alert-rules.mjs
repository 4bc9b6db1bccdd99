// `node scripts/check-alert-rules.mjs <promtool> [--scrape <file>] [--env <name>]...`: promtool
// check rules and test rules on every environment's generated PrometheusRule, and every metric
// an alert names checked against the service's exports. Logic: charts/synth/check-alert-rules.ts.
import { createRequire } from 'node:module';
import { buildLib } from './build.mjs';

const OUTFILE = 'lib/check-alert-rules.js';
await buildLib({ entry: 'charts/synth/check-alert-rules.ts', outfile: OUTFILE });
const { main } = createRequire(import.meta.url)(`../${OUTFILE}`);
process.exitCode = main(process.argv.slice(2));

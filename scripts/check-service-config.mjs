// `node scripts/check-service-config.mjs <binary> [--env <name>]...`: runs the built user
// service with `--check-config` over the environment each rendered environment gives its pods
// (ConfigMap + env of the Deployment; the secret files are fixtures in a temporary folder).
// Exit 0: every environment accepted; 1: the report names each refused one; 2: bad usage.
// The logic is charts/synth/check-service-config.ts, bundled like synth (lib/).
import { createRequire } from 'node:module';
import { buildLib } from './build.mjs';

const OUTFILE = 'lib/check-service-config.js';
await buildLib({ entry: 'charts/synth/check-service-config.ts', outfile: OUTFILE });
const { main } = createRequire(import.meta.url)(`../${OUTFILE}`);
process.exitCode = main(process.argv.slice(2));

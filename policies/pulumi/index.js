// Entry of the Pulumi policy pack (policies/package.json "main"). The Node.js language host
// requires this folder's main module; it serves the esbuild bundle of pack.ts (rebuilt when
// stale), which creates the PolicyPack.
const { loadPolicyBundle } = require('../bundle.js');

loadPolicyBundle('pack');

// Entry of the cdk8s validation plugin (cdk8s.yaml: `package: ./policies/cdk8s`). cdk8s-cli
// loads it with require(), so it serves the esbuild bundle of plugin.ts, rebuilt when stale.
const { loadPolicyBundle } = require('../bundle.js');

module.exports = loadPolicyBundle('cdk8s');

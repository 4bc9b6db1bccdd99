// Loads a bundle of the policies (lib/policy-*.js) for hosts that can only require() plain
// JavaScript (cdk8s-cli, the Pulumi language host). `node scripts/policy.mjs --build-only`
// rebuilds the stale ones first; its output goes to stderr, because a Pulumi policy pack's
// stdout is the channel on which it tells the engine its port.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** @param {'cdk8s' | 'pack' | 'cli'} name */
function loadPolicyBundle(name) {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'policy.mjs'), '--build-only'], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  return require(path.join(ROOT, 'lib', `policy-${name}.js`));
}

module.exports = { loadPolicyBundle };

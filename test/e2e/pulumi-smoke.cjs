// test/e2e/pulumi-smoke.cjs — Pulumi end to end without the pulumi-language-nodejs binary.
// Run: test/e2e/with-cluster.sh node test/e2e/pulumi-smoke.cjs
// The Automation API runs an inline program: this Node process serves the language runtime and
// hands its address to the CLI (--client), so only `pulumi` and `pulumi-resource-kubernetes`
// (both from tools.sh, on PATH) are needed. Deploys a restricted-PSA namespace + Deployment onto
// the kwok cluster (the provider awaits the rollout), checks the outputs, then destroys.
'use strict';
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const { LocalWorkspace } = require('@pulumi/pulumi/automation');

async function main() {
  if (!process.env.KUBECONFIG)
    throw new Error('KUBECONFIG not set: run under test/e2e/with-cluster.sh');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulumi-smoke-'));
  const backend = process.env.PULUMI_BACKEND_URL || `file://${workDir}/state`;
  fs.mkdirSync(`${workDir}/state`, { recursive: true });
  const program = async () => {
    const k8s = require('@pulumi/kubernetes');
    const provider = new k8s.Provider('kwok', {
      kubeconfig: fs.readFileSync(process.env.KUBECONFIG, 'utf8'),
    });
    const ns = new k8s.core.v1.Namespace(
      'ns',
      {
        metadata: {
          name: 'pulumi-smoke',
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
        },
      },
      { provider },
    );
    const labels = { app: 'web' };
    const dep = new k8s.apps.v1.Deployment(
      'web',
      {
        metadata: { namespace: ns.metadata.name, name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'web',
                  image: 'example.invalid/web:1',
                  resources: {
                    requests: { cpu: '50m', memory: '32Mi' },
                    limits: { memory: '32Mi' },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                },
              ],
            },
          },
        },
      },
      { provider },
    );
    return { ready: dep.status.readyReplicas };
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: 'e2e', projectName: 'pulumi-smoke', program },
    {
      workDir,
      projectSettings: { name: 'pulumi-smoke', runtime: 'nodejs', backend: { url: backend } },
    },
  );
  const out = (s) => process.stdout.write(s);
  const up = await stack.up({ onOutput: out });
  const ready = up.outputs.ready && up.outputs.ready.value;
  const destroy = await stack.destroy({ onOutput: out });
  await stack.workspace.removeStack('e2e');
  const checks = [
    ['up succeeded', up.summary.result === 'succeeded'],
    ['2 replicas ready', ready === 2],
    ['destroy succeeded', destroy.summary.result === 'succeeded'],
  ];
  let failed = 0;
  for (const [name, ok] of checks) {
    console.log(`${ok ? 'ok' : 'FAIL'} - ${name}`);
    if (!ok) failed++;
  }
  console.log(`pulumi-smoke: ${checks.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});

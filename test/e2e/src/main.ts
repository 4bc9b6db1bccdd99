/**
 * The end-to-end suite, run by test/e2e/run.sh inside test/e2e/with-cluster.sh (KUBECONFIG set):
 * GitOps path (kubectl apply of dist/<env>), Pulumi path (Automation API, inline program calling
 * the infra deploy function), parity of the two, rolling update, policies, destroy.
 * Ends with `e2e: N passed, N failed`; exit status 1 when anything failed.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from '@pulumi/pulumi/automation';
import { loadEnvironments } from '../../../charts/config/load';
import { imageReference } from '../../../charts/constructs/user-service';
import { NAMES } from '../../../charts/model/contract';
import { renderEnvironment } from '../../../charts/synth/render';
import { createVolumesFor, deleteNamespaces, deleteVolumes, installCrds } from './cluster-objects';
import { kubectlJson } from './exec';
import { applyEnvironment, unboundClaims, waitForRollouts, workloadsOf } from './gitops';
import { check, log, Suite } from './harness';
import { captureNamespace, differences, type Json, type LiveObject } from './live';
import { parityIssues } from './parity';
import {
  imageRef,
  openStack,
  POLICY_PACK_DIR,
  POLICY_PACK_NAME,
  previewCollector,
  PROJECT,
  stackConfig,
} from './pulumi-stack';
import { watchDeployment } from './rollout-watch';
import { assertReadyNow, firstImage, leftIn, type Workload } from './workloads';

/** The environments deployed by both paths (prod: GitOps path only, to keep the run short). */
const PULUMI_ENVIRONMENTS = ['dev', 'staging'];
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);

async function main(): Promise<void> {
  const kubeconfig = process.env.KUBECONFIG;
  if (kubeconfig === undefined)
    throw new Error('KUBECONFIG not set: run under test/e2e/with-cluster.sh');
  const suite = new Suite();
  const environments = loadEnvironments();
  const gitopsLive = new Map<string, Map<string, LiveObject>>();
  const pulumiLive = new Map<string, Map<string, LiveObject>>();

  const crds = await suite.test(
    'cluster: the external-secrets CRD stand-in (test/e2e/crds) is established',
    installCrds,
  );

  // ------------------------------------------------------------------ GitOps path
  const applied = new Set<string>();
  for (const env of environments) {
    const name = `gitops ${env.name}: dist/${env.name} server dry run + apply (strict validation): no error, no warning`;
    if (!crds) {
      suite.skip(name, 'CRD not installed');
      continue;
    }
    const ok = await suite.test(name, async () => {
      await createVolumesFor(renderEnvironment(env));
      await applyEnvironment(env);
    });
    if (ok) applied.add(env.name);
  }
  for (const env of environments) {
    const name = `gitops ${env.name}: Deployments and StatefulSets Ready on the kwok nodes, PVCs Bound`;
    if (!applied.has(env.name)) {
      suite.skip(name, 'not applied');
      continue;
    }
    await suite.test(name, async () => {
      const want = renderEnvironment(env)
        .filter((o) => WORKLOAD_KINDS.has(o.kind))
        .map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`)
        .sort();
      const live = (await workloadsOf(env.namespace)).sort();
      check(
        JSON.stringify(live) === JSON.stringify(want),
        `workloads ${live.join(',')} != ${want.join(',')}`,
      );
      await waitForRollouts(env.namespace, live);
      await assertReadyNow(env.namespace);
      const unbound = await unboundClaims(env.namespace);
      check(unbound.length === 0, `claims not Bound: ${unbound.join(', ')}`);
      if (PULUMI_ENVIRONMENTS.includes(env.name)) {
        gitopsLive.set(env.name, await captureNamespace(env.namespace));
      }
    });
  }
  await suite.test(
    'gitops: namespaces and volumes deleted (the Pulumi path starts from an empty cluster)',
    async () => {
      await deleteNamespaces(environments.map((e) => e.namespace));
      await deleteVolumes();
    },
  );

  // ------------------------------------------------------------------ Pulumi path
  const stateDir = mkdtempSync(join(tmpdir(), 'e2e-pulumi-'));
  log(`pulumi: state and logs in ${stateDir}`);
  const output = (file: string) => (text: string) => {
    appendFileSync(join(stateDir, file), text);
  };
  const stacks = new Map<string, Stack>();
  for (const env of environments.filter((e) => PULUMI_ENVIRONMENTS.includes(e.name))) {
    const objects = renderEnvironment(env);
    const image = firstImage(env);
    const previewed = await suite.test(
      `pulumi ${env.name}: preview --policy-pack policies (the real pack, run by the CLI): no mandatory violation`,
      async () => {
        const stack = await openStack(env.name, stateDir);
        await stack.setAllConfig(stackConfig(env.name, kubeconfig, image));
        stacks.set(env.name, stack);
        const record = previewCollector();
        await stack.preview({
          policyPacks: [POLICY_PACK_DIR],
          onEvent: record.onEvent,
          onOutput: output(`${env.name}-preview.log`),
        });
        check(
          record.resources.length === objects.length,
          `preview has ${record.resources.length} Kubernetes resources, the charts ${objects.length}`,
        );
        check(
          record.policyPacks.has(POLICY_PACK_NAME),
          `the summary lists no ${POLICY_PACK_NAME} pack (packs: ${[...record.policyPacks.keys()].join(', ')})`,
        );
        for (const v of record.violations)
          log(`    ${v.enforcementLevel} ${v.policyName}: ${v.message}`);
        const mandatory = record.violations.filter((v) => v.enforcementLevel === 'mandatory');
        check(
          mandatory.length === 0,
          mandatory.map((v) => `${v.policyName}: ${v.message}`).join('\n'),
        );
      },
    );
    const stack = stacks.get(env.name);
    const upName = `pulumi ${env.name}: up creates every object, waits until Ready, right outputs`;
    if (!previewed || stack === undefined) {
      suite.skip(upName, 'preview failed');
      continue;
    }
    await suite.test(upName, async () => {
      await createVolumesFor(objects);
      const up = await stack.up({ onOutput: output(`${env.name}-up.log`) });
      check(up.summary.result === 'succeeded', `up: ${up.summary.result}`);
      // + the Stack, the Environment component and its kubernetes provider
      const created = up.summary.resourceChanges?.create ?? 0;
      check(created === objects.length + 3, `created ${created}, want ${objects.length + 3}`);
      await assertReadyNow(env.namespace);
      const outputs = Object.fromEntries(
        Object.entries(up.outputs).map(([k, v]) => [k, v.value as Json]),
      );
      const host = `${NAMES.service}.${env.namespace}.svc.cluster.local`;
      const want = {
        environment: env.name,
        namespace: env.namespace,
        imageRef: image,
        imageDigest: image.split('@')[1] ?? '',
        grpcAddress: `${host}:${env.ports.grpc}`,
        httpAddress: `${host}:${env.ports.http}`,
      };
      const wrong = differences(want, outputs, 'outputs');
      check(wrong.length === 0, wrong.join('\n'));
      pulumiLive.set(env.name, await captureNamespace(env.namespace));
    });
  }

  // Control: dev's settings in a stack named prod (the pack judges by the stack name). The real
  // pack must stop the preview: dev's HPA keeps minReplicas 1, which prod forbids.
  await suite.test(
    'pulumi prod stack with environment=dev: preview --policy-pack policies is refused (hpa-replica-range)',
    async () => {
      const stack = await openStack('prod', stateDir);
      try {
        const dev = environments.find((e) => e.name === 'dev');
        check(dev !== undefined, 'no dev environment');
        await stack.setAllConfig(stackConfig('dev', kubeconfig, firstImage(dev)));
        const record = previewCollector();
        const outcome = await stack
          .preview({
            policyPacks: [POLICY_PACK_DIR],
            onEvent: record.onEvent,
            onOutput: output('prod-as-dev-preview.log'),
          })
          .then(
            () => 'succeeded',
            (error: unknown) => String(error),
          );
        check(
          outcome !== 'succeeded',
          'the preview succeeded: the pack let dev settings into prod',
        );
        const hpa = record.violations.filter(
          (v) => v.policyName === 'hpa-replica-range' && v.enforcementLevel === 'mandatory',
        );
        log(`    refused: ${record.violations.map((v) => v.policyName).join(', ')}`);
        check(
          hpa.some((v) => v.message.includes('minReplicas 1 in prod')),
          `no mandatory hpa-replica-range "minReplicas 1 in prod" violation; got: ${record.violations
            .map((v) => `${v.policyName}: ${v.message}`)
            .join('\n')}`,
        );
        check(
          outcome.includes('preview failed') || outcome.includes('violat'),
          `the preview failed for another reason: ${outcome.slice(0, 600)}`,
        );
      } finally {
        await stack.workspace.removeStack('prod');
      }
    },
  );

  // ------------------------------------------------------------------ parity
  for (const env of environments.filter((e) => PULUMI_ENVIRONMENTS.includes(e.name))) {
    const name = `parity ${env.name}: live objects of both paths equal but for the documented swaps`;
    const g = gitopsLive.get(env.name);
    const p = pulumiLive.get(env.name);
    if (g === undefined || p === undefined) {
      suite.skip(name, 'a path did not deploy');
      continue;
    }
    await suite.test(name, () => {
      const swap = { chartImage: imageReference(env.image), deployedImage: firstImage(env) };
      const issues = parityIssues(g, p, swap);
      log(`    compared ${g.size} GitOps objects with ${p.size} Pulumi objects`);
      check(issues.length === 0, issues.join('\n'));
      // Control: one changed field in one Pulumi object must show.
      const tampered = new Map(p);
      const key = `Deployment/${NAMES.deployment}`;
      const deployment = p.get(key);
      check(deployment !== undefined, `no ${key} in the Pulumi path`);
      tampered.set(key, { ...deployment, spec: { ...(deployment.spec as object), paused: true } });
      check(parityIssues(g, tampered, swap).length > 0, 'parity missed a changed spec field');
      return Promise.resolve();
    });
  }

  // ------------------------------------------------------------------ rolling update
  const dev = environments.find((e) => e.name === 'dev');
  const devStack = stacks.get('dev');
  const rollName =
    'pulumi dev: up with a new digest rolls the Deployment (new ReplicaSet, old at 0, never 0 Ready)';
  if (dev === undefined || devStack === undefined || !pulumiLive.has('dev')) {
    suite.skip(rollName, 'dev stack not up');
  } else {
    await suite.test(rollName, async () => {
      const next = imageRef('2');
      await devStack.setConfig(`${PROJECT}:image.prebuilt`, { value: next });
      const watch = watchDeployment(dev.namespace, NAMES.deployment);
      const up = await devStack.up({ onOutput: output('dev-up-2.log') });
      const samples = await watch.stop();
      check(up.summary.result === 'succeeded', `up: ${up.summary.result}`);
      const changes = up.summary.resourceChanges ?? {};
      check(
        changes.update === 1,
        `resource changes ${JSON.stringify(changes)}, want 1 update (the Deployment)`,
      );
      const rs = (await kubectlJson(['get', 'replicasets', '-n', dev.namespace])) as {
        items: Workload[];
      };
      const mine = rs.items.filter((r) => r.metadata.name.startsWith(`${NAMES.deployment}-`));
      const imageOf = (r: Workload) => r.spec.template.spec.containers.map((c) => c.image);
      const fresh = mine.filter((r) => imageOf(r).includes(next));
      const old = mine.filter((r) => !imageOf(r).includes(next));
      check(
        fresh.length === 1 && old.length === 1,
        `ReplicaSets: ${mine.map((r) => r.metadata.name).join(', ')}`,
      );
      const [f, o] = [fresh[0], old[0]];
      check(f !== undefined && o !== undefined, 'unreachable');
      check(
        (f.status?.readyReplicas ?? 0) >= 1 && f.status?.readyReplicas === f.spec.replicas,
        `new ReplicaSet ${f.metadata.name}: ${f.status?.readyReplicas ?? 0}/${f.spec.replicas ?? 0} Ready`,
      );
      check(
        o.spec.replicas === 0,
        `old ReplicaSet ${o.metadata.name} still wants ${o.spec.replicas ?? 1}`,
      );
      const minReady = Math.min(...samples.map((s) => s.ready));
      log(
        `    ${samples.length} status samples; ready min ${minReady}; ` +
          samples.map((s) => `${s.ready}/${s.updated}/${s.replicas}`).join(' '),
      );
      check(
        samples.some((s) => s.updated < s.replicas),
        'the watch saw no intermediate state',
      );
      check(samples.length > 0 && minReady >= 1, `a sample had ${minReady} Ready pods`);
    });
  }

  // ------------------------------------------------------------------ destroy
  for (const [name, stack] of stacks) {
    const env = environments.find((e) => e.name === name);
    if (env === undefined) continue;
    await suite.test(
      `pulumi ${name}: destroy leaves nothing (namespace gone, or terminating and empty)`,
      async () => {
        const result = await stack.destroy({ onOutput: output(`${name}-destroy.log`) });
        check(result.summary.result === 'succeeded', `destroy: ${result.summary.result}`);
        const left = await leftIn(env.namespace);
        check(left.length === 0, `left in ${env.namespace}: ${left.join(', ')}`);
        await stack.workspace.removeStack(name);
      },
    );
  }
  await deleteVolumes().catch((e: unknown) => {
    log(`cleanup: ${String(e)}`);
  });

  if (suite.failed === 0) rmSync(stateDir, { recursive: true, force: true });
  log('\ntimings (each test):');
  log(suite.summary());
  process.exitCode = suite.failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  log(`e2e: crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
});

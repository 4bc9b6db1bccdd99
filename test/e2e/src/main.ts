/**
 * The end-to-end suite, run by test/e2e/run.sh inside test/e2e/with-cluster.sh (KUBECONFIG set):
 * GitOps path (kubectl apply of dist/<env>), Pulumi path (README.md's command lines through the
 * real pulumi CLI and Node.js language host on a copy of the project), parity of the two,
 * a second no-op up, a rolling update, refused settings, destroy.
 * Ends with `e2e: N passed, N failed`; exit status 1 when anything failed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironments } from '../../../charts/config/load';
import { imageReference } from '../../../charts/constructs/user-service';
import { NAMES } from '../../../charts/model/contract';
import { renderEnvironment } from '../../../charts/synth/render';
import { REPOSITORY_ROOT } from '../../../infra/config/stack-config';
import {
  changesOf,
  COMMANDS,
  copyProject,
  readmeBlock,
  readText,
  Shell,
  tail,
  writePassphrase,
} from './cli';
import { createVolumesFor, deleteNamespaces, deleteVolumes, installCrds } from './cluster-objects';
import { kubectlJson, run } from './exec';
import { applyEnvironment, unboundClaims, waitForRollouts, workloadsOf } from './gitops';
import { check, log, Suite } from './harness';
import {
  captureNamespace,
  differences,
  namespaceChanges,
  type Json,
  type LiveObject,
} from './live';
import { parityIssues } from './parity';
import { watchDeployment } from './rollout-watch';
import { assertReadyNow, firstImage, imageRef, leftIn, type Workload } from './workloads';

/** policies/PulumiPolicy.yaml's pack name (policies/package.json `name`). */
const POLICY_PACK_NAME = 'user-platform-policies';
/** The README's update command. */
const UP = 'pulumi up --yes --policy-pack policies';
/** Variables of the README blocks that the suite sets itself (the rest are secrets). */
const SUITE_VARIABLES = new Set(['STACK', 'KUBE_CONTEXT', 'IMAGE', 'PWD', 'HOME']);

/**
 * The secrets the README's deploy block sets, `secrets.<name>` → a value: each line
 * `printf %s "$VAR" | pulumi config set --secret secrets.<name>`.
 */
function secretSettings(readme: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readmeBlock(readme, 'deploy')) {
    const match = /"\$([A-Z_]+)" \| pulumi config set --secret (\S+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) out[match[2]] = `e2e-${match[1]}-value`;
  }
  return out;
}

/** A value for every variable of the README blocks that the suite does not set per command. */
function secretVariables(readme: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['deploy', 'update', 'destroy']) {
    for (const line of readmeBlock(readme, name)) {
      for (const [, variable = ''] of line.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)) {
        if (!SUITE_VARIABLES.has(variable)) out[variable] = `e2e-${variable}-value`;
      }
    }
  }
  return out;
}

/**
 * The environment of the CLI: a PULUMI_HOME of this run (its plugins folder linked to the
 * tool cache's, where tools.sh installed the kubernetes provider), no PULUMI_BACKEND_URL (the
 * README's `pulumi login` chooses the backend), a passphrase file, the README's variables.
 */
function pulumiEnv(runDir: string, kubeconfig: string, readme: string): NodeJS.ProcessEnv {
  const cacheHome = process.env.PULUMI_HOME;
  if (cacheHome === undefined)
    throw new Error('PULUMI_HOME not set: run under test/e2e/with-cluster.sh');
  const home = join(runDir, 'pulumi-home');
  mkdirSync(home, { recursive: true });
  symlinkSync(join(cacheHome, 'plugins'), join(home, 'plugins'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...secretVariables(readme),
    KUBECONFIG: kubeconfig,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE_FILE: writePassphrase(join(runDir, 'passphrase'), 'e2e passphrase'),
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
  };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
  return env;
}

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
  // The README's command lines, through the real CLI and language host, on a copy of the
  // project directory (./cli.ts), with a per-run PULUMI_HOME (plugins linked from the tool
  // cache) and the file backend the README's `pulumi login` names inside that copy.
  const runDir = mkdtempSync(join(tmpdir(), 'e2e-pulumi-'));
  log(`pulumi: project copy, state and logs in ${runDir}`);
  const project = copyProject(REPOSITORY_ROOT, join(runDir, 'project'));
  const readme = readText(join(project, 'README.md'));
  const shell = new Shell(
    project,
    pulumiEnv(runDir, kubeconfig, readme),
    join(runDir, 'commands.log'),
  );
  const deployed = new Set<string>();
  const devContext = (await run('kubectl', ['config', 'current-context'])).stdout.trim();
  check(devContext.length > 0, 'the harness kubeconfig has no current context');

  for (const env of environments.filter((e) => PULUMI_ENVIRONMENTS.includes(e.name))) {
    const objects = renderEnvironment(env);
    const image = firstImage(env);
    const vars = { STACK: env.name, KUBE_CONTEXT: devContext, IMAGE: image };
    const upName = `pulumi ${env.name}: README "deploy" lines (stack select --create, config set, preview --policy-pack, up --yes --policy-pack): every object Ready, right outputs`;
    const up = await suite.test(upName, async () => {
      await createVolumesFor(objects);
      const runs = await shell.block(readme, 'deploy', vars);
      const select = runs.find((r) => r.command.startsWith('pulumi stack select --create'));
      check(select !== undefined, 'the deploy block has no `pulumi stack select --create`');
      const stackFile = readText(join(project, `Pulumi.${env.name}.yaml`));
      check(
        stackFile.includes('encryptionsalt:') && stackFile.includes('secure:'),
        `Pulumi.${env.name}.yaml after the README steps has no encryptionsalt/secure values`,
      );
      const preview = runs.find((r) => r.command.startsWith('pulumi preview'));
      check(preview !== undefined, 'the deploy block has no `pulumi preview`');
      check(
        preview.output.includes(`${POLICY_PACK_NAME}@v`),
        `the preview lists no ${POLICY_PACK_NAME} pack:\n${tail(preview.output, 30)}`,
      );
      const planned = changesOf(preview.output);
      // + the Stack, the Environment component and its kubernetes provider
      check(
        planned.create === objects.length + 3,
        `preview plans ${planned.create} creates, want ${objects.length + 3}`,
      );
      const first = runs.find((r) => r.command.startsWith('pulumi up'));
      check(first !== undefined, 'the deploy block has no `pulumi up`');
      const created = changesOf(first.output).create;
      check(created === objects.length + 3, `created ${created}, want ${objects.length + 3}`);
      await assertReadyNow(env.namespace);
      const outputs = JSON.parse(
        (await shell.ok('pulumi stack output --json --show-secrets')).output,
      ) as Record<string, Json>;
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
    if (!up) continue;
    deployed.add(env.name);
    await suite.test(
      `pulumi ${env.name}: up --yes --policy-pack policies again: exit 0, 0 changes (the pack passes the live stack)`,
      async () => {
        const again = await shell.ok(UP, vars);
        const changes = changesOf(again.output);
        check(
          changes.create + changes.update + changes.delete + changes.replace === 0,
          `the second up changed something: ${JSON.stringify(changes)}`,
        );
        check(again.output.includes(`${POLICY_PACK_NAME}@v`), 'the second up ran no pack');
      },
    );
  }

  // ------------------------------------------------------------------ rolling update
  const dev = environments.find((e) => e.name === 'dev');
  const rollName =
    'pulumi dev: README "update" lines with a new digest roll the Deployment (new ReplicaSet, old at 0, never 0 Ready)';
  if (dev === undefined || !deployed.has('dev')) {
    suite.skip(rollName, 'dev stack not up');
  } else {
    await suite.test(rollName, async () => {
      await shell.ok(`pulumi stack select ${dev.name}`);
      const next = imageRef('2');
      const watch = watchDeployment(dev.namespace, NAMES.deployment);
      const runs = await shell.block(readme, 'update', { STACK: dev.name, IMAGE: next });
      const samples = await watch.stop();
      const up = runs.find((r) => r.command.startsWith('pulumi up'));
      check(up !== undefined, 'the update block has no `pulumi up`');
      const changes = changesOf(up.output);
      check(
        changes.update === 1 && changes.create + changes.delete + changes.replace === 0,
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

  // ------------------------------------------------------------------ refused settings
  const staging = environments.find((e) => e.name === 'staging');
  const refuseStaging =
    'pulumi staging: up --yes --policy-pack policies with environment=dev is refused (hpa-replica-range), nothing changes';
  if (staging === undefined || !deployed.has('staging')) {
    suite.skip(refuseStaging, 'staging stack not up');
  } else {
    await suite.test(refuseStaging, async () => {
      await shell.ok('pulumi stack select staging');
      const before = await captureNamespace(staging.namespace);
      await shell.ok('pulumi config set environment dev');
      try {
        const refused = await shell.run(UP);
        check(refused.code !== 0, 'the up succeeded: the pack let dev settings into staging');
        check(
          /hpa-replica-range[\s\S]*minReplicas 1 in staging/.test(refused.output) &&
            refused.output.includes('mandatory'),
          `no mandatory hpa-replica-range "minReplicas 1 in staging" violation:\n${tail(refused.output, 40)}`,
        );
      } finally {
        await shell.ok('pulumi config set environment staging');
      }
      const after = await captureNamespace(staging.namespace);
      const changed = namespaceChanges(before, after);
      check(
        changed.length === 0,
        `the refused up changed the live objects:\n${changed.join('\n')}`,
      );
    });
  }
  const staticReplicas =
    'pulumi dev: a program that declares spec.replicas on the HPA-managed Deployment: up --yes --policy-pack policies is refused (hpa-no-static-replicas), nothing changes';
  if (!deployed.has('dev') || dev === undefined) {
    suite.skip(staticReplicas, 'dev stack not up');
  } else {
    await suite.test(staticReplicas, async () => {
      // The live Deployment has spec.replicas (defaulted by the API server, then set by the HPA
      // controller) and passed the pack twice above. Here the program itself declares it: a
      // stack transform in the project copy, imported before the program, adds replicas: 2.
      await shell.ok(`pulumi stack select ${dev.name}`);
      const entry = join(project, 'infra', 'index.ts');
      const original = readFileSync(entry, 'utf8');
      writeFileSync(
        join(project, 'infra', 'e2e-static-replicas.ts'),
        [
          "import * as pulumi from '@pulumi/pulumi';",
          'pulumi.runtime.registerResourceTransform((args) =>',
          "  args.type === 'kubernetes:apps/v1:Deployment'",
          '    ? {',
          '        props: { ...args.props, spec: { ...args.props.spec, replicas: 2 } },',
          '        opts: args.opts,',
          '      }',
          '    : undefined,',
          ');',
          '',
        ].join('\n'),
      );
      writeFileSync(entry, `import './e2e-static-replicas';\n${original}`);
      const before = await captureNamespace(dev.namespace);
      try {
        const refused = await shell.run(UP);
        check(
          refused.code !== 0,
          'the up succeeded: the pack let a declared spec.replicas through',
        );
        check(
          /hpa-no-static-replicas[\s\S]*spec\.replicas is 2/.test(refused.output) &&
            refused.output.includes('mandatory'),
          `no mandatory hpa-no-static-replicas "spec.replicas is 2" violation:\n${tail(refused.output, 40)}`,
        );
      } finally {
        writeFileSync(entry, original);
        rmSync(join(project, 'infra', 'e2e-static-replicas.ts'), { force: true });
      }
      const after = await captureNamespace(dev.namespace);
      const changed = namespaceChanges(before, after);
      check(
        changed.length === 0,
        `the refused up changed the live objects:\n${changed.join('\n')}`,
      );
      // Control: without the transform the same stack passes again.
      const again = await shell.run(UP);
      check(again.code === 0, `the up without the transform failed:\n${tail(again.output, 30)}`);
    });
  }
  const refuseDev =
    'pulumi dev: preview and up with a kubeconfig context that does not exist fail, naming the stack and the context';
  if (!deployed.has('dev')) {
    suite.skip(refuseDev, 'dev stack not up');
  } else {
    await suite.test(refuseDev, async () => {
      await shell.ok('pulumi stack select dev');
      await shell.ok('pulumi config set kubernetes.context no-such-context');
      try {
        for (const command of ['pulumi preview --policy-pack policies', UP]) {
          const refused = await shell.run(command);
          check(refused.code !== 0, `\`${command}\` succeeded against a missing context`);
          check(
            refused.output.includes('stack dev: invalid configuration') &&
              refused.output.includes('kubernetes.context: no context "no-such-context"'),
            `\`${command}\` did not name the stack and the context:\n${tail(refused.output, 30)}`,
          );
        }
      } finally {
        await shell.ok(`pulumi config set kubernetes.context ${devContext}`);
      }
    });
  }
  await suite.test(
    'pulumi prod stack with environment=dev: preview --policy-pack policies is refused (hpa-replica-range)',
    async () => {
      await shell.ok('pulumi stack select --create prod');
      await shell.ok('pulumi config set environment dev');
      await shell.ok(`pulumi config set kubernetes.context ${devContext}`);
      await shell.ok(`pulumi config set image.prebuilt ${imageRef('1')}`);
      for (const [key, value] of Object.entries(secretSettings(readme))) {
        await shell.ok(`printf %s "$V" | pulumi config set --secret ${key}`, { V: value });
      }
      const refused = await shell.run('pulumi preview --policy-pack policies');
      check(refused.code !== 0, 'the preview succeeded: the pack let dev settings into prod');
      check(
        /hpa-replica-range[\s\S]*minReplicas 1 in prod/.test(refused.output),
        `no hpa-replica-range "minReplicas 1 in prod" violation:\n${tail(refused.output, 40)}`,
      );
      await shell.ok('pulumi stack rm --yes --force prod');
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

  // ------------------------------------------------------------------ destroy
  for (const name of deployed) {
    const env = environments.find((e) => e.name === name);
    if (env === undefined) continue;
    await suite.test(
      `pulumi ${name}: README "destroy" lines leave nothing (namespace gone, or terminating and empty)`,
      async () => {
        await shell.ok(`pulumi stack select ${name}`);
        const runs = await shell.block(readme, 'destroy', { STACK: name });
        const destroy = runs.find((r) => r.command.startsWith('pulumi destroy'));
        check(destroy !== undefined, 'the destroy block has no `pulumi destroy`');
        const left = await leftIn(env.namespace);
        check(left.length === 0, `left in ${env.namespace}: ${left.join(', ')}`);
      },
    );
  }
  await deleteVolumes().catch((e: unknown) => {
    log(`cleanup: ${String(e)}`);
  });

  if (suite.failed === 0) rmSync(runDir, { recursive: true, force: true });
  log('\npulumi commands (exit code, seconds):');
  for (const c of COMMANDS)
    log(`  ${String(c.code).padStart(3)} ${c.seconds.toFixed(1).padStart(7)}s  ${c.command}`);
  log('\ntimings (each test):');
  log(suite.summary());
  process.exitCode = suite.failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  log(`e2e: crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
});

import { cpSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnvironments, selectEnvironments, type EnvironmentOverrides } from './config/load';
import { renderEnvironments } from './synth/render';
import { writeEnvironments } from './synth/write';
import { enforcePolicies } from '../policies/gate';
import { GITOPS_FOLDER, gitopsFiles } from './gitops/render';
import type { GitOpsSettingsInput } from './gitops/schema';

/** Options of one synthesis run. */
export interface SynthOptions {
  /** Output folder. @default $CDK8S_OUTDIR, else 'dist' */
  readonly outdir: string;
  /** Environments to synthesize. @default all */
  readonly environments: readonly string[];
  /** Settings to synthesize instead of charts/config/environments.ts. @default that file */
  readonly settings?: EnvironmentOverrides;
  /**
   * GitOps settings for dist/gitops/ (Argo CD and Flux objects of every environment), or
   * false to skip that folder. @default charts/gitops/settings.ts
   */
  readonly gitops?: GitOpsSettingsInput | false;
}

/**
 * Validates the settings, renders every selected environment, judges its objects by the
 * policies (nothing is written when one fails) and writes them atomically.
 */
export function synth(options: SynthOptions): string[] {
  const all = loadEnvironments(options.settings);
  const rendered = renderEnvironments(selectEnvironments(all, options.environments));
  for (const r of rendered) {
    const environment = r.environment.name;
    enforcePolicies(`environment ${environment}`, r.objects, { target: 'gitops', environment });
  }
  const extra = new Map<string, Map<string, string>>();
  if (options.gitops !== false) extra.set(GITOPS_FOLDER, gitopsFiles(all, options.gitops));
  writeEnvironments(options.outdir, rendered, extra);
  return [...rendered.map((r) => r.environment.name), ...extra.keys()].map(
    (folder) => `${options.outdir}/${folder}`,
  );
}

/** The command line of `npm run synth`; returns the exit code. */
export function cli(argv: readonly string[]): number {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string', multiple: true, short: 'e' },
        outdir: { type: 'string', short: 'o' },
        quiet: { type: 'boolean', short: 'q' },
        gitops: { type: 'boolean', default: true },
      },
      allowNegative: true,
      strict: true,
    });
    const cdk8sOutdir = process.env.CDK8S_OUTDIR;
    const outdir = values.outdir ?? cdk8sOutdir ?? 'dist';
    const folders = synth({
      outdir,
      environments: values.env ?? [],
      ...(values.gitops ? {} : { gitops: false as const }),
    });
    if (values.quiet !== true) for (const f of folders) console.log(`synthesized ${f}`);
    // `cdk8s synth` deletes its output folder before it runs the app, so cdk8s.yaml gives it a
    // scratch folder (CDK8S_OUTDIR) and names dist/ with --outdir: dist/ is written atomically
    // above (untouched when synth fails) and the CLI's validations read this copy.
    if (cdk8sOutdir !== undefined && resolve(cdk8sOutdir) !== resolve(outdir)) {
      mkdirSync(cdk8sOutdir, { recursive: true });
      for (const f of folders) cpSync(f, join(cdk8sOutdir, basename(f)), { recursive: true });
    }
    return 0;
  } catch (error) {
    console.error(`synth failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

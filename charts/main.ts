import { parseArgs } from 'node:util';
import { loadEnvironments, selectEnvironments, type EnvironmentOverrides } from './config/load';
import { renderEnvironments } from './synth/render';
import { writeEnvironments } from './synth/write';

/** Options of one synthesis run. */
export interface SynthOptions {
  /** Output folder. @default $CDK8S_OUTDIR, else 'dist' */
  readonly outdir: string;
  /** Environments to synthesize. @default all */
  readonly environments: readonly string[];
  /** Settings to synthesize instead of charts/config/environments.ts. @default that file */
  readonly settings?: EnvironmentOverrides;
}

/** Validates the settings, renders every selected environment and writes it atomically. */
export function synth(options: SynthOptions): string[] {
  const selected = selectEnvironments(loadEnvironments(options.settings), options.environments);
  const rendered = renderEnvironments(selected);
  writeEnvironments(options.outdir, rendered);
  return rendered.map((r) => `${options.outdir}/${r.environment.name}`);
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
      },
      strict: true,
    });
    const folders = synth({
      outdir: values.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist',
      environments: values.env ?? [],
    });
    if (values.quiet !== true) for (const f of folders) console.log(`synthesized ${f}`);
    return 0;
  } catch (error) {
    console.error(`synth failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

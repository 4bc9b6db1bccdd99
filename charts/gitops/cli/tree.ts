import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentOverrides } from '../../config/load';
import { synth } from '../../main';
import type { GitOpsSettingsInput } from '../schema';

/** Files by path relative to a root folder, `/`-separated, in sorted order. */
export type Tree = Map<string, string>;

/** Reads every file under `dir` (a `.git` folder excluded) into a {@link Tree}. */
export function readTree(dir: string): Tree {
  const tree: Tree = new Map();
  const walk = (folder: string, prefix: string): void => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile()) tree.set(`${prefix}${entry.name}`, readFileSync(path, 'utf8'));
    }
  };
  walk(dir, '');
  return tree;
}

/** What to synthesize in-process. */
export interface SynthTreeOptions {
  /** Environments to render. @default all */
  readonly environments?: readonly string[];
  /** Environment settings. @default charts/config/environments.ts */
  readonly settings?: EnvironmentOverrides;
  /** GitOps settings. @default charts/gitops/settings.ts */
  readonly gitops?: GitOpsSettingsInput;
}

/** Runs the real synth into a temporary folder and returns what it wrote (dist/ layout). */
export function synthTree(options: SynthTreeOptions = {}): Tree {
  const root = mkdtempSync(join(tmpdir(), 'user-service-synth-'));
  try {
    const outdir = join(root, 'dist');
    synth({
      outdir,
      environments: options.environments ?? [],
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      ...(options.gitops === undefined ? {} : { gitops: options.gitops }),
    });
    return readTree(outdir);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

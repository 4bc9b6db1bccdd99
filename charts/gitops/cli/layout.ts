import { ENVIRONMENT_NAMES } from '../../config/schema';
import { GITOPS_FOLDER } from '../render';
import { environmentPath, type GitOpsSettings } from '../schema';
import type { Tree } from './tree';

/** Where a folder of dist/ goes in the GitOps repository. */
export interface FolderMapping {
  /** Folder of dist/: an environment name or `gitops`. */
  readonly dist: string;
  /** Folder of the GitOps repository, e.g. `apps/user-service/prod`. */
  readonly repo: string;
}

/** The GitOps repository folder of every dist/ folder (environments, then the controller objects). */
export function folderMappings(settings: GitOpsSettings): FolderMapping[] {
  return [
    ...ENVIRONMENT_NAMES.map((env) => ({ dist: env, repo: environmentPath(settings, env) })),
    { dist: GITOPS_FOLDER, repo: settings.bootstrapPath },
  ];
}

function mapTree(tree: Tree, pairs: readonly (readonly [string, string])[]): Tree {
  const out: Tree = new Map();
  for (const [path, content] of tree) {
    const pair = pairs.find(([from]) => path.startsWith(`${from}/`));
    if (pair !== undefined) out.set(`${pair[1]}/${path.slice(pair[0].length + 1)}`, content);
  }
  return out;
}

/** dist/ layout (`prod/x.yaml`) to GitOps repository layout (`apps/user-service/prod/x.yaml`). */
export function toRepoLayout(dist: Tree, settings: GitOpsSettings): Tree {
  return mapTree(
    dist,
    folderMappings(settings).map((m) => [m.dist, m.repo] as const),
  );
}

/**
 * A folder in either layout, as dist/ layout: a GitOps checkout's environment and bootstrap
 * folders are mapped back; a dist/-like folder stays as it is; other files are left out.
 */
export function toDistLayout(tree: Tree, settings: GitOpsSettings): Tree {
  const mappings = folderMappings(settings);
  const fromRepo = mapTree(
    tree,
    mappings.map((m) => [m.repo, m.dist] as const),
  );
  if (fromRepo.size > 0) return fromRepo;
  return mapTree(
    tree,
    mappings.map((m) => [m.dist, m.dist] as const),
  );
}

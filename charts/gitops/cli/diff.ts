import { createTwoFilesPatch } from 'diff';
import { parseAllDocuments, stringify } from 'yaml';
import type { Tree } from './tree';

/** One object of a rendered tree, in canonical YAML (comments, layout and key order do not count). */
export interface RenderedObject {
  /** dist/ folder: the environment name or `gitops`. */
  readonly group: string;
  /** `<kind> <namespace>/<name>` (`<kind> <name>` when cluster-scoped), or the file path. */
  readonly key: string;
  readonly file: string;
  readonly yaml: string;
}

/** How one object differs between two rendered trees. */
export interface ObjectChange {
  readonly group: string;
  readonly key: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** YAML before (removed, changed) and after (added, changed). */
  readonly before?: string;
  readonly after?: string;
  /** Unified diff of the object's YAML (changed objects only). */
  readonly patch?: string;
}

interface Identified {
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown };
}

/** YAML with sorted keys and no line folding, so that equal objects give equal text. */
function canonicalYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, sortMapEntries: true, aliasDuplicateObjects: false });
}

function objectKey(doc: unknown, file: string): string {
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Identified;
  const name = o.metadata?.name;
  if (typeof o.kind !== 'string' || typeof name !== 'string') return file;
  const ns = o.metadata?.namespace;
  return `${o.kind} ${typeof ns === 'string' && ns !== '' ? `${ns}/` : ''}${name}`;
}

/** Every object of a dist/-layout tree, keyed by group and kind/namespace/name. */
export function objectsOf(tree: Tree): Map<string, RenderedObject> {
  const objects = new Map<string, RenderedObject>();
  for (const [file, content] of tree) {
    const slash = file.indexOf('/');
    if (slash < 0) continue;
    const group = file.slice(0, slash);
    const name = file.slice(slash + 1);
    const entries = /\.ya?ml$/.test(file)
      ? parseAllDocuments(content).flatMap((d) => {
          if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message ?? ''}`);
          const js = d.toJS() as unknown;
          return js === null || js === undefined
            ? []
            : [{ key: objectKey(js, name), yaml: canonicalYaml(js) }];
        })
      : [{ key: name, yaml: content }];
    for (const entry of entries) {
      const { yaml } = entry;
      let key = entry.key;
      const seen = objects.get(`${group}\0${key}`);
      if (seen !== undefined && seen.yaml === yaml) continue;
      if (seen !== undefined) key = `${key} (${name})`;
      objects.set(`${group}\0${key}`, { group, key, file, yaml });
    }
  }
  return objects;
}

function patchOf(key: string, before: string, after: string): string {
  const label = key.replaceAll(' ', '/');
  return createTwoFilesPatch(`a/${label}`, `b/${label}`, before, after, '', '', { context: 3 })
    .split('\n')
    .filter((line) => !/^={5,}$/.test(line))
    .join('\n');
}

/**
 * The per-object differences from `before` to `after` (both in dist/ layout), sorted by group
 * and key. `groups` restricts the comparison to those dist/ folders.
 */
export function compareTrees(
  before: Tree,
  after: Tree,
  groups?: readonly string[],
): ObjectChange[] {
  const a = objectsOf(before);
  const b = objectsOf(after);
  const keep = (o: RenderedObject) => groups === undefined || groups.includes(o.group);
  const changes: ObjectChange[] = [];
  for (const [id, o] of b) {
    if (!keep(o)) continue;
    const old = a.get(id);
    if (old === undefined)
      changes.push({ group: o.group, key: o.key, status: 'added', after: o.yaml });
    else if (old.yaml !== o.yaml) {
      changes.push({
        group: o.group,
        key: o.key,
        status: 'changed',
        before: old.yaml,
        after: o.yaml,
        patch: patchOf(o.key, old.yaml, o.yaml),
      });
    }
  }
  for (const [id, o] of a) {
    if (keep(o) && !b.has(id)) {
      changes.push({ group: o.group, key: o.key, status: 'removed', before: o.yaml });
    }
  }
  return changes.sort((x, y) =>
    x.group === y.group ? (x.key < y.key ? -1 : x.key > y.key ? 1 : 0) : x.group < y.group ? -1 : 1,
  );
}

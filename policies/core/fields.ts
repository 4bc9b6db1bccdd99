/** Typed reads of untyped JSON: every rule goes through these instead of casting. */

export type Obj = Readonly<Record<string, unknown>>;

/** The value as an object (not an array, not null), or undefined. */
export function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Obj)
    : undefined;
}

/** The value as an array, or an empty array. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** The value as an array of objects (non-objects are dropped), or an empty array. */
export function objects(value: unknown): readonly Obj[] {
  return list(value).flatMap((item) => {
    const o = obj(item);
    return o === undefined ? [] : [o];
  });
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** A string-to-string map such as labels or a selector's matchLabels (other values dropped). */
export function stringMap(value: unknown): Readonly<Record<string, string>> {
  const o = obj(value);
  if (o === undefined) return {};
  return Object.fromEntries(
    Object.entries(o).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** Reads a nested field: `at(object, 'spec', 'template', 'spec')`. */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = (current as unknown[])[key];
    } else {
      const o = obj(current);
      if (o === undefined) return undefined;
      current = o[key];
    }
  }
  return current;
}

/** Joins field path segments: `field('spec', 'containers', 0)` → `spec.containers[0]`. */
export function field(...segments: readonly (string | number)[]): string {
  return segments
    .filter((s) => s !== '')
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

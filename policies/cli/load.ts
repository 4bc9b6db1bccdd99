/** Reads every Kubernetes object from the YAML files of a folder (or single files). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { obj, objects as objectList, str } from '../core/fields';
import type { KubeObject } from '../core/types';

/** Bad input: the CLI exits 2 with this message. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The objects found, where each came from, and what was skipped. */
export interface LoadedManifests {
  readonly objects: readonly KubeObject[];
  readonly sourceOf: (object: KubeObject) => string | undefined;
  readonly files: readonly string[];
  /** Documents that are not Kubernetes objects (kustomization.yaml, values files, ...). */
  readonly skipped: readonly string[];
}

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_DIRS = new Set(['node_modules']);

function yamlFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new InputError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (!stat.isDirectory()) return [path];
  let entries: string[];
  try {
    entries = readdirSync(path).sort();
  } catch (error) {
    throw new InputError(
      `cannot list ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return entries.flatMap((entry) => {
    const child = join(path, entry);
    if (statSync(child).isDirectory()) {
      return entry.startsWith('.') || SKIPPED_DIRS.has(entry) ? [] : yamlFiles(child);
    }
    return YAML_FILE.test(entry) ? [child] : [];
  });
}

/** A document is a Kubernetes object when it has apiVersion, kind and metadata. */
function asKubeObject(value: unknown): KubeObject | undefined {
  const o = obj(value);
  if (o === undefined || str(o.apiVersion) === undefined || str(o.kind) === undefined) {
    return undefined;
  }
  if (obj(o.metadata) === undefined) return undefined;
  // Kustomize's own files describe a build, not objects for the cluster.
  if ((str(o.apiVersion) ?? '').startsWith('kustomize.config.k8s.io/')) return undefined;
  return o as KubeObject;
}

/** The objects of one parsed document (a `v1 List` holds several). */
function objectsOfDocument(value: unknown): KubeObject[] {
  const o = obj(value);
  if (o !== undefined && o.apiVersion === 'v1' && o.kind === 'List') {
    return objectList(o.items).flatMap((item) => {
      const k = asKubeObject(item);
      return k === undefined ? [] : [k];
    });
  }
  const k = asKubeObject(value);
  return k === undefined ? [] : [k];
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/** Loads every object of the YAML files under the paths; throws InputError on bad input. */
export function loadManifests(paths: readonly string[]): LoadedManifests {
  const sources = new Map<KubeObject, string>();
  const found: KubeObject[] = [];
  const skipped: string[] = [];
  const files = paths.flatMap(yamlFiles);
  for (const file of files) {
    const shown = displayPath(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new InputError(
        `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    parseAllDocuments(text).forEach((doc, index) => {
      const error = doc.errors[0];
      if (error !== undefined) {
        throw new InputError(`${shown}: document ${index + 1} is not valid YAML: ${error.message}`);
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return;
      const inDoc = objectsOfDocument(value);
      if (inDoc.length === 0) skipped.push(`${shown}#${index + 1}`);
      for (const object of inDoc) {
        found.push(object);
        sources.set(object, shown);
      }
    });
  }
  return {
    objects: found,
    sourceOf: (o) => sources.get(o),
    files: files.map(displayPath),
    skipped,
  };
}

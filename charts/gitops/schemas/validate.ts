import Ajv from 'ajv';
import type { KubeObject } from '../../synth/render';
import appProject from './argocd-appproject.schema.json';
import applicationSet from './argocd-applicationset.schema.json';
import gitRepository from './flux-gitrepository.schema.json';
import kustomization from './flux-kustomization.schema.json';
import metadata from './metadata.schema.json';

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(metadata);

/** Strict JSON schemas of the CRD-backed kinds of dist/gitops/, by `apiVersion/kind`. */
const VALIDATORS = new Map([
  ['argoproj.io/v1alpha1/AppProject', ajv.compile(appProject)],
  ['argoproj.io/v1alpha1/ApplicationSet', ajv.compile(applicationSet)],
  ['source.toolkit.fluxcd.io/v1/GitRepository', ajv.compile(gitRepository)],
  ['kustomize.toolkit.fluxcd.io/v1/Kustomization', ajv.compile(kustomization)],
]);

/** Schema errors of one GitOps controller object, or an empty list; an unknown kind is an error. */
export function gitopsSchemaErrors(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const validate = VALIDATORS.get(key);
  if (validate === undefined) return [`no schema for ${key}`];
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`.trim());
}

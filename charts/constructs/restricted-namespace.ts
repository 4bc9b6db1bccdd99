import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import { PRUNE_PROTECTION_ANNOTATIONS } from '../model/gitops';

/** Props of {@link RestrictedNamespace}. */
export interface RestrictedNamespaceProps {
  /** The namespace name (a DNS-1123 label). */
  readonly name: string;
  /** Labels besides the Pod Security ones, usually the `app.kubernetes.io/*` set. */
  readonly labels: Record<string, string>;
  /**
   * Pod Security Standards version the admission controller judges against.
   * @default 'v1.28' (the API this repository targets; pinned so upgrades do not change it)
   */
  readonly podSecurityVersion?: string;
}

/**
 * A Namespace that enforces, warns and audits the `restricted` Pod Security Standard. GitOps
 * controllers never delete it (PRUNE_PROTECTION_ANNOTATIONS): deleting it deletes its volumes.
 */
export class RestrictedNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps) {
    super(scope, id);
    const version = props.podSecurityVersion ?? 'v1.28';
    const psa: Record<string, string> = {};
    for (const mode of ['enforce', 'warn', 'audit']) {
      psa[`pod-security.kubernetes.io/${mode}`] = 'restricted';
      psa[`pod-security.kubernetes.io/${mode}-version`] = version;
    }
    new kplus.Namespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: { ...props.labels, ...psa },
        annotations: { ...PRUNE_PROTECTION_ANNOTATIONS },
      },
    });
    this.name = props.name;
  }
}

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** One key of the target Secret and where the store keeps its value. */
export interface ExternalSecretKey {
  /** Key in the produced Kubernetes Secret, e.g. `DB_PASSWORD`. */
  readonly secretKey: string;
  /** Key of the entry in the external store. */
  readonly remoteKey: string;
  /** Property inside that entry (for JSON-valued entries). @default none: the whole value */
  readonly property?: string;
}

/** Props of {@link ExternalSecret}. */
export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it produces. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The SecretStore or ClusterSecretStore that holds the values. */
  readonly storeName: string;
  /** Kind of the store. @default 'ClusterSecretStore' */
  readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
  /** How often the operator re-reads the store (a Go duration). @default '1h' */
  readonly refreshInterval?: string;
  /** The keys to copy. */
  readonly data: readonly ExternalSecretKey[];
  /**
   * Keys of the produced Secret rendered from Go templates (template engine v2), where
   * `{{ .<secretKey> }}` is the value of that key of `data`. Then only these keys are written,
   * so a workload can mount whole files (for example a config file that embeds a token).
   * @default none: the Secret holds the `data` keys as they are
   */
  readonly template?: Readonly<Record<string, string>>;
}

/** external-secrets.io API group and version of ExternalSecret. */
export const EXTERNAL_SECRET_API_VERSION = 'external-secrets.io/v1';

/**
 * An ExternalSecret (external-secrets.io): the operator creates and owns the Secret `name` from
 * a secret store, so no secret value is ever written to dist/ or git (DESIGN rule 5).
 */
export class ExternalSecret extends Construct {
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    if (props.data.length === 0) throw new Error(`ExternalSecret ${props.name}: data is empty`);
    new ApiObject(this, 'Resource', {
      apiVersion: EXTERNAL_SECRET_API_VERSION,
      kind: 'ExternalSecret',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { name: props.storeName, kind: props.storeKind ?? 'ClusterSecretStore' },
        target: {
          name: props.name,
          creationPolicy: 'Owner',
          deletionPolicy: 'Retain',
          template: {
            ...(props.template === undefined
              ? {}
              : { engineVersion: 'v2', data: sortedRecord(props.template) }),
            metadata: { labels: props.labels },
          },
        },
        data: props.data.map((d) => ({
          secretKey: d.secretKey,
          remoteRef: {
            key: d.remoteKey,
            ...(d.property === undefined ? {} : { property: d.property }),
          },
        })),
      },
    });
    this.secretName = props.name;
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

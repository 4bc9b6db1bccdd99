import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';

/** Props of {@link SettingsConfigMap}. */
export interface SettingsConfigMapProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Non-secret settings, environment variable name to value. */
  readonly settings: Record<string, string>;
}

/**
 * The non-secret settings of a workload as a ConfigMap, plus a checksum of its content that
 * the pod template carries as an annotation, so a settings change rolls the pods.
 */
export class SettingsConfigMap extends Construct {
  readonly configMap: kplus.ConfigMap;
  /** sha256 of the settings, stable for the same content. */
  readonly checksum: string;

  constructor(scope: Construct, id: string, props: SettingsConfigMapProps) {
    super(scope, id);
    const sorted = Object.fromEntries(
      Object.entries(props.settings).sort(([a], [b]) => a.localeCompare(b)),
    );
    this.configMap = new kplus.ConfigMap(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      data: sorted,
    });
    this.checksum = createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
  }
}

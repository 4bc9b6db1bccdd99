import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { PORT_NAMES } from '../model/contract';

/** Props of {@link GrpcService}. */
export interface GrpcServiceProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Labels of the pods behind the Service. */
  readonly selector: Record<string, string>;
  /** Ports the Service exposes; each targets the container port of the same name. */
  readonly ports: { readonly grpc: number; readonly http: number };
}

/**
 * A ClusterIP Service with a `grpc` port (appProtocol `kubernetes.io/h2c`, so meshes and
 * Gateway API implementations speak HTTP/2 cleartext to it) and an `http` port for REST.
 * targetPort names the container port, so a port change never needs a Service change.
 */
export class GrpcService extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: GrpcServiceProps) {
    super(scope, id);
    new k8s.KubeService(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        type: 'ClusterIP',
        selector: props.selector,
        ports: [
          {
            name: PORT_NAMES.grpc,
            port: props.ports.grpc,
            targetPort: k8s.IntOrString.fromString(PORT_NAMES.grpc),
            protocol: 'TCP',
            appProtocol: 'kubernetes.io/h2c',
          },
          {
            name: PORT_NAMES.http,
            port: props.ports.http,
            targetPort: k8s.IntOrString.fromString(PORT_NAMES.http),
            protocol: 'TCP',
            appProtocol: 'http',
          },
        ],
      },
    });
    this.name = props.name;
  }
}

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Gateway API group and version of HTTPRoute (standard channel, GA since v1.0). */
export const HTTP_ROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';

/** The Gateway (and optionally its listener) a route attaches to. */
export interface GatewayParentRef {
  readonly name: string;
  readonly namespace: string;
  /** A listener name of the Gateway. @default every listener that allows the route */
  readonly sectionName?: string;
}

/** Props of {@link HttpRoute}. */
export interface HttpRouteProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly parentRef: GatewayParentRef;
  /** Hostnames the route answers for. */
  readonly hostnames: readonly string[];
  /** Requests whose path starts with this prefix go to the backend, e.g. `/v1`. */
  readonly pathPrefix: string;
  /** The Service and its port in the route's namespace. */
  readonly backend: { readonly serviceName: string; readonly port: number };
}

/**
 * An HTTPRoute (gateway.networking.k8s.io/v1) that publishes one path prefix of a Service
 * through a Gateway owned by the cluster's operators. The Gateway's listener must allow routes
 * from this namespace (`allowedRoutes.namespaces`); the backend is in the route's own
 * namespace, so no ReferenceGrant is needed.
 */
export class HttpRoute extends Construct {
  constructor(scope: Construct, id: string, props: HttpRouteProps) {
    super(scope, id);
    if (props.hostnames.length === 0) throw new Error(`HTTPRoute ${props.name}: no hostname`);
    if (!props.pathPrefix.startsWith('/')) {
      throw new Error(`HTTPRoute ${props.name}: path prefix ${props.pathPrefix} is not absolute`);
    }
    const { parentRef } = props;
    new ApiObject(this, 'Resource', {
      apiVersion: HTTP_ROUTE_API_VERSION,
      kind: 'HTTPRoute',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: parentRef.name,
            namespace: parentRef.namespace,
            ...(parentRef.sectionName === undefined ? {} : { sectionName: parentRef.sectionName }),
          },
        ],
        hostnames: [...props.hostnames],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: props.pathPrefix } }],
            backendRefs: [
              {
                group: '',
                kind: 'Service',
                name: props.backend.serviceName,
                port: props.backend.port,
                weight: 1,
              },
            ],
          },
        ],
      },
    });
  }
}

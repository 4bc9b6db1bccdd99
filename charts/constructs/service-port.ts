import { k8s } from 'cdk8s-plus-28';

/**
 * A Service port that targets the container port of the same name, so a change of the
 * container's port number never needs a Service change.
 */
export function namedServicePort(
  name: string,
  port: number,
  protocol: 'TCP' | 'UDP' = 'TCP',
  appProtocol?: string,
): k8s.ServicePort {
  return {
    name,
    port,
    targetPort: k8s.IntOrString.fromString(name),
    protocol,
    ...(appProtocol === undefined ? {} : { appProtocol }),
  };
}

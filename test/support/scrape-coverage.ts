import type { KubeObject } from '../../charts/synth/render';
import { get } from './objects';

type Labels = Record<string, string>;
interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: string;
}
interface Peer {
  readonly namespaceSelector?: { readonly matchLabels?: Labels };
  readonly podSelector?: { readonly matchLabels?: Labels };
  readonly ipBlock?: unknown;
}
interface IngressRule {
  readonly from?: readonly Peer[];
  readonly ports?: readonly { readonly port: number | string; readonly protocol?: string }[];
}

/** Where Prometheus may come from: its namespace and, when set, its pods' labels. */
export interface Scraper {
  readonly namespace: string;
  readonly podLabels?: Labels;
}

/** One endpoint of a PodMonitor, resolved to the pods and the port it scrapes. */
export interface ResolvedEndpoint {
  readonly podMonitor: string;
  readonly workload: string;
  readonly portName: string;
  readonly port: number;
}

const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

const matches = (selector: Labels, labels: Labels) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const workloadsOf = (objects: readonly KubeObject[]) =>
  objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind));

const podLabels = (w: KubeObject) =>
  (get(w, 'spec', 'template', 'metadata', 'labels') ?? {}) as Labels;

const containerPorts = (w: KubeObject) =>
  ((get(w, 'spec', 'template', 'spec', 'containers') ?? []) as { ports?: ContainerPort[] }[])
    .flatMap((c) => c.ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP');

/** A peer admits only the scraper: its namespace by name and, when set, exactly its pods. */
function peerIsScraper(peer: Peer, scraper: Scraper): boolean {
  const ns = peer.namespaceSelector?.matchLabels;
  if (ns === undefined || Object.keys(ns).length !== 1 || ns[NAMESPACE_LABEL] !== scraper.namespace)
    return false;
  if (peer.ipBlock !== undefined) return false;
  if (scraper.podLabels === undefined) return peer.podSelector === undefined;
  return JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify(scraper.podLabels);
}

/**
 * Every PodMonitor endpoint of the objects, resolved to the workloads its selector matches and
 * the container port its port name names; problems as messages: a monitor that matches no
 * workload, or a port name no container of a matched workload declares.
 */
export function resolveEndpoints(objects: readonly KubeObject[]): {
  endpoints: ResolvedEndpoint[];
  errors: string[];
} {
  const endpoints: ResolvedEndpoint[] = [];
  const errors: string[] = [];
  for (const pm of objects.filter((o) => o.kind === 'PodMonitor')) {
    const selector = (get(pm, 'spec', 'selector', 'matchLabels') ?? {}) as Labels;
    const matched = workloadsOf(objects).filter(
      (w) => w.metadata.namespace === pm.metadata.namespace && matches(selector, podLabels(w)),
    );
    if (matched.length === 0) {
      errors.push(`PodMonitor/${pm.metadata.name}: its selector matches no workload`);
    }
    const eps = (get(pm, 'spec', 'podMetricsEndpoints') ?? []) as { port: string }[];
    for (const ep of eps) {
      for (const w of matched) {
        const port = containerPorts(w).find((p) => p.name === ep.port);
        if (port === undefined) {
          errors.push(
            `PodMonitor/${pm.metadata.name}: ${w.kind}/${w.metadata.name} has no container port named "${ep.port}"`,
          );
        } else {
          endpoints.push({
            podMonitor: pm.metadata.name,
            workload: `${w.kind}/${w.metadata.name}`,
            portName: ep.port,
            port: port.containerPort,
          });
        }
      }
    }
  }
  return { endpoints, errors };
}

/**
 * What keeps Prometheus from scraping, or lets others in, as messages (empty when nothing):
 * each resolved endpoint must be admitted by an ingress rule of a NetworkPolicy that selects the
 * workload's pods, with the scraper as the only peer, on that port; and no rule may open the
 * port to every source (no `from`). Also every container port named `metrics` must be scraped
 * by some PodMonitor.
 */
export function scrapeCoverageErrors(objects: readonly KubeObject[], scraper: Scraper): string[] {
  const { endpoints, errors } = resolveEndpoints(objects);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const workloads = workloadsOf(objects);
  for (const ep of endpoints) {
    const w = workloads.find((x) => `${x.kind}/${x.metadata.name}` === ep.workload);
    if (w === undefined) continue;
    const rules = policies
      .filter((p) => {
        const sel = get(p, 'spec', 'podSelector', 'matchLabels') as Labels | undefined;
        const types = (get(p, 'spec', 'policyTypes') ?? []) as string[];
        return sel !== undefined && types.includes('Ingress') && matches(sel, podLabels(w));
      })
      .flatMap((p) => (get(p, 'spec', 'ingress') ?? []) as IngressRule[]);
    const onPort = rules.filter((r) =>
      (r.ports ?? []).some((p) => p.port === ep.port || p.port === ep.portName),
    );
    const admitted = onPort.some(
      (r) =>
        (r.from ?? []).length > 0 && (r.from ?? []).every((peer) => peerIsScraper(peer, scraper)),
    );
    if (!admitted) {
      errors.push(
        `${ep.workload}: no NetworkPolicy ingress admits ${scraper.namespace} (only) on metrics port ${ep.portName} (${ep.port})`,
      );
    }
    if (onPort.some((r) => r.from === undefined || r.from.length === 0)) {
      errors.push(`${ep.workload}: metrics port ${ep.port} is open to every source`);
    }
  }
  for (const w of workloads) {
    for (const p of containerPorts(w).filter((x) => x.name === 'metrics')) {
      const scraped = endpoints.some(
        (e) => e.workload === `${w.kind}/${w.metadata.name}` && e.port === p.containerPort,
      );
      if (!scraped) {
        errors.push(
          `${w.kind}/${w.metadata.name}: metrics port ${p.containerPort} has no PodMonitor`,
        );
      }
    }
  }
  return errors;
}

import {
  CONSUL_FILES,
  CONSUL_METRICS,
  CONSUL_PATHS,
  CONSUL_PORTS,
  CONSUL_SECRET_PROPERTIES,
  CONSUL_STABILIZATION_SECONDS,
} from '../model/consul';
import type { ExternalSecretKey } from './external-secret';

/** Settings the server configuration is derived from. */
export interface ConsulServerConfigProps {
  /** Number of servers: 1, 3 or 5. */
  readonly servers: number;
  readonly datacenter: string;
  /** DNS name of the headless Service, which resolves to every server pod (ready or not). */
  readonly joinAddress: string;
  /** Encrypt server RPC with TLS and verify both ends (certificates mounted from the Secret). */
  readonly tls: boolean;
  /** ACLs with default deny (tokens in the secret config file). */
  readonly acl: boolean;
}

/** Consul's autopilot stanza. */
export interface AutopilotConfig {
  readonly cleanup_dead_servers: boolean;
  readonly last_contact_threshold: string;
  readonly max_trailing_logs: number;
  readonly server_stabilization_time: string;
  readonly min_quorum: number;
}

/** The non-secret server configuration (`server.json`), as Consul's JSON config format. */
export interface ConsulServerConfig {
  readonly server: true;
  readonly bootstrap_expect: number;
  readonly datacenter: string;
  readonly data_dir: string;
  readonly bind_addr: string;
  readonly client_addr: string;
  readonly retry_join: readonly string[];
  readonly rejoin_after_leave: boolean;
  /** Always false: a stopped server stays a Raft voter (see consulServerConfig). */
  readonly leave_on_terminate: false;
  readonly disable_update_check: boolean;
  readonly enable_script_checks: boolean;
  readonly enable_local_script_checks: boolean;
  readonly disable_remote_exec: boolean;
  readonly log_level: string;
  readonly log_json: boolean;
  readonly ui_config: { readonly enabled: boolean };
  readonly connect: { readonly enabled: boolean };
  readonly ports: Readonly<Record<string, number>>;
  readonly autopilot: AutopilotConfig;
  readonly performance: { readonly raft_multiplier: number };
  readonly telemetry: {
    readonly disable_hostname: boolean;
    readonly prometheus_retention_time: string;
  };
  readonly acl?: {
    readonly enabled: boolean;
    readonly default_policy: 'deny';
    readonly down_policy: string;
    readonly enable_token_persistence: boolean;
  };
  readonly tls?: {
    readonly defaults: {
      readonly ca_file: string;
      readonly cert_file: string;
      readonly key_file: string;
      readonly verify_outgoing: boolean;
    };
    readonly internal_rpc: {
      readonly verify_incoming: boolean;
      readonly verify_server_hostname: boolean;
    };
  };
}

/** Servers needed for a Raft majority. */
export function quorumSize(servers: number): number {
  return Math.floor(servers / 2) + 1;
}

/** Servers that may fail while the rest still form a quorum. */
export function failureTolerance(servers: number): number {
  return servers - quorumSize(servers);
}

/**
 * Throws unless `servers` is a positive odd count: an even count tolerates no more failures
 * than the odd count below it and can split into two halves with no majority.
 */
export function assertOddServerCount(name: string, servers: number): void {
  if (!Number.isInteger(servers) || servers < 1 || servers % 2 === 0) {
    throw new Error(
      `ConsulCluster ${name}: the server count must be odd (1, 3 or 5) so Raft keeps a ` +
        `majority; got ${servers}`,
    );
  }
}

/**
 * The server configuration: `bootstrap_expect` equals the server count, the servers find each
 * other through the headless Service, autopilot's minimum quorum follows the count, and
 * nothing calls home. Secrets (gossip key, ACL tokens) live in a second file from the Secret.
 */
export function consulServerConfig(props: ConsulServerConfigProps): ConsulServerConfig {
  const secretFile = (file: string) => `${CONSUL_PATHS.secrets}/${file}`;
  return {
    server: true,
    bootstrap_expect: props.servers,
    datacenter: props.datacenter,
    data_dir: CONSUL_PATHS.data,
    // Listen on every interface; `-advertise=$(POD_IP)` on the command line tells peers where.
    bind_addr: '0.0.0.0',
    // The HTTP API and DNS must listen on the pod IP for the client Service to reach them.
    client_addr: '0.0.0.0',
    retry_join: [props.joinAddress],
    rejoin_after_leave: true,
    // A server must not leave the Raft peer set when its pod stops (Consul's own default for
    // servers, and what the upstream Helm chart does): a restart is not a removal. Leaving on
    // every SIGTERM shrinks the peer set on each rolling update or drain, and several servers
    // stopping at once (a node failure during a rollout, a namespace-wide restart) can leave a
    // peer set that no longer reaches quorum without peers.json recovery. The stopped server
    // stays a voter; it comes back under the same node ID (data volume) and catches up.
    leave_on_terminate: false,
    disable_update_check: true,
    enable_script_checks: false,
    enable_local_script_checks: false,
    disable_remote_exec: true,
    log_level: 'INFO',
    log_json: true,
    ui_config: { enabled: false },
    // No service mesh here: Connect, gRPC and WAN federation stay off, so their ports stay shut.
    connect: { enabled: false },
    ports: {
      server: CONSUL_PORTS.server,
      serf_lan: CONSUL_PORTS.serfLan,
      http: CONSUL_PORTS.http,
      dns: CONSUL_PORTS.dns,
      serf_wan: -1,
      https: -1,
      grpc: -1,
      grpc_tls: -1,
    },
    autopilot: {
      cleanup_dead_servers: true,
      last_contact_threshold: '200ms',
      max_trailing_logs: 250,
      server_stabilization_time: `${CONSUL_STABILIZATION_SECONDS}s`,
      // Autopilot never prunes dead servers below a majority of the configured count.
      min_quorum: quorumSize(props.servers),
    },
    performance: { raft_multiplier: 1 },
    // Without a retention time the agent serves no Prometheus format at /v1/agent/metrics.
    telemetry: { disable_hostname: true, prometheus_retention_time: CONSUL_METRICS.retention },
    ...(props.acl
      ? {
          acl: {
            enabled: true,
            default_policy: 'deny' as const,
            down_policy: 'extend-cache',
            // Tokens come from the secret config file on every start; nothing to persist.
            enable_token_persistence: false,
          },
        }
      : {}),
    ...(props.tls
      ? {
          tls: {
            defaults: {
              ca_file: secretFile(CONSUL_FILES.tlsCa),
              cert_file: secretFile(CONSUL_FILES.tlsCert),
              key_file: secretFile(CONSUL_FILES.tlsKey),
              verify_outgoing: true,
            },
            internal_rpc: { verify_incoming: true, verify_server_hostname: true },
          },
        }
      : {}),
  };
}

/** What the ExternalSecret of the servers reads from the store and the files it renders. */
export interface ConsulSecretMaterial {
  /** Store entries: ExternalSecret `data` (secretKey = template variable). */
  readonly data: readonly ExternalSecretKey[];
  /** Files of the produced Secret: external-secrets.io templates over `data`. */
  readonly template: Readonly<Record<string, string>>;
}

/**
 * The secret part of the server configuration, as external-secrets.io templates: the operator
 * renders `secrets.json` (gossip key and, with ACLs, the initial management and agent tokens)
 * and, with TLS, the CA, certificate and key files. `{{ .x }}` names a key of `data`; no value
 * is ever written here.
 */
export function consulSecretMaterial(
  remoteKey: string,
  options: { readonly acl: boolean; readonly tls: boolean },
): ConsulSecretMaterial {
  const data: ExternalSecretKey[] = [];
  const ref = (secretKey: string, property: string) => {
    data.push({ secretKey, remoteKey, property });
    return `{{ .${secretKey} }}`;
  };
  const P = CONSUL_SECRET_PROPERTIES;
  const config = {
    encrypt: ref('gossipKey', P.gossipKey),
    ...(options.acl
      ? {
          acl: {
            tokens: {
              initial_management: ref('aclInitialManagementToken', P.initialManagementToken),
              agent: ref('aclAgentToken', P.agentToken),
            },
          },
        }
      : {}),
  };
  const template: Record<string, string> = {
    [CONSUL_FILES.secretConfig]: JSON.stringify(config, null, 2) + '\n',
  };
  if (options.tls) {
    template[CONSUL_FILES.tlsCa] = ref('tlsCaCert', P.tlsCa);
    template[CONSUL_FILES.tlsCert] = ref('tlsServerCert', P.tlsCert);
    template[CONSUL_FILES.tlsKey] = ref('tlsServerKey', P.tlsKey);
  }
  return { data, template };
}

import { parse } from 'yaml';
import { bytes } from '../config/quantity';
import {
  collectorConfig,
  collectorConfigYaml,
  collectorMemory,
  pipelineErrors,
  type CollectorConfig,
  type CollectorConfigProps,
  type PipelineConfig,
} from './otel-collector-config';

const otlp: CollectorConfigProps = {
  memoryLimit: '512Mi',
  exporter: { type: 'otlp', endpoint: 'tempo.example.com:4317', insecure: false },
  kubernetesAttributesNamespace: 'ns',
};
const debug: CollectorConfigProps = {
  memoryLimit: '256Mi',
  exporter: { type: 'debug', verbosity: 'detailed' },
};

describe('collector memory', () => {
  it.each([
    ['512Mi', '409MiB', 409, 128],
    ['1Gi', '819MiB', 819, 256],
    ['256Mi', '204MiB', 204, 64],
  ])('derives GOMEMLIMIT and memory_limiter from a %s limit', (limit, goMemLimit, hard, spike) => {
    expect(collectorMemory(limit)).toEqual({ goMemLimit, limitMib: hard, spikeLimitMib: spike });
  });

  it('keeps the soft limit above zero and the hard limit below the container limit', () => {
    for (const limit of ['64Mi', '300Mi', '2Gi']) {
      const m = collectorMemory(limit);
      expect(m.limitMib - m.spikeLimitMib).toBeGreaterThan(0);
      expect(m.limitMib * 2 ** 20).toBeLessThan(bytes(limit));
    }
  });

  it('rejects a memory limit too small for the memory_limiter', () => {
    expect(() => collectorMemory('32Mi')).toThrow('memory limit 32Mi is below 64Mi');
  });
});

describe('collector configuration: metrics', () => {
  it.each([
    ['otlp with k8s_attributes', otlp],
    ['debug', debug],
  ])(
    '(%s) runs pushed OTLP metrics through the same receiver, processors and exporter as traces',
    (_label, props) => {
      const config = collectorConfig(props);
      expect(config.service.pipelines.metrics).toEqual(config.service.pipelines.traces);
      expect(Object.keys(config.service.pipelines)).toEqual(['traces', 'metrics']);
      expect(pipelineErrors(config)).toEqual([]);
    },
  );

  it("serves the collector's own metrics on the pod IP, not on localhost (the upstream default)", () => {
    expect(collectorConfig(debug).service.telemetry.metrics).toEqual({
      level: 'normal',
      readers: [
        {
          pull: {
            exporter: {
              prometheus: {
                host: '${env:MY_POD_IP}',
                port: 8888,
                without_scope_info: true,
                without_units: true,
                without_type_suffix: true,
              },
            },
          },
        },
      ],
    });
  });
});

describe('collector configuration', () => {
  it.each([
    ['otlp with k8s_attributes', otlp],
    ['debug', debug],
  ])('(%s) parses back to the typed data and has consistent pipelines', (_label, props) => {
    const config = collectorConfig(props);
    const parsed = parse(collectorConfigYaml(config)) as CollectorConfig;
    expect(parsed).toEqual(config);
    expect(pipelineErrors(parsed)).toEqual([]);
    const traces = parsed.service.pipelines.traces;
    expect(traces?.processors[0]).toBe('memory_limiter');
    expect(traces?.processors.at(-1)).toBe('batch');
    for (const id of [...(traces?.receivers ?? []), ...(traces?.exporters ?? [])]) {
      expect(id in parsed.receivers || id in parsed.exporters).toBe(true);
    }
  });

  it('receives OTLP on gRPC 4317 and HTTP 4318 and answers health checks on 13133, on the pod IP', () => {
    const config = collectorConfig(debug);
    expect(config.receivers.otlp?.protocols).toEqual({
      grpc: { endpoint: '${env:MY_POD_IP}:4317' },
      http: { endpoint: '${env:MY_POD_IP}:4318' },
    });
    expect(config.extensions.health_check).toEqual({ endpoint: '${env:MY_POD_IP}:13133' });
    expect(config.service.extensions).toEqual(['health_check']);
  });

  it('limits memory from the container limit', () => {
    expect(collectorConfig(otlp).processors.memory_limiter).toEqual({
      check_interval: '1s',
      limit_mib: 409,
      spike_limit_mib: 128,
    });
  });

  it('exports to the debug exporter or to the OTLP backend, never both', () => {
    expect(Object.keys(collectorConfig(debug).exporters)).toEqual(['debug']);
    expect(collectorConfig(debug).exporters.debug).toEqual({ verbosity: 'detailed' });
    expect(collectorConfig(otlp).exporters).toEqual({
      otlp_grpc: {
        endpoint: 'tempo.example.com:4317',
        tls: { insecure: false },
        retry_on_failure: { enabled: true },
        sending_queue: { enabled: true },
      },
    });
  });

  it('adds k8s_attributes between memory_limiter and batch, for its own namespace only', () => {
    const withK8s = collectorConfig(otlp);
    expect(withK8s.service.pipelines.traces?.processors).toEqual([
      'memory_limiter',
      'k8s_attributes',
      'batch',
    ]);
    expect(withK8s.processors.k8s_attributes).toMatchObject({ filter: { namespace: 'ns' } });
    expect(collectorConfig(debug).processors.k8s_attributes).toBeUndefined();
    expect(collectorConfig(debug).service.pipelines.traces?.processors).toEqual([
      'memory_limiter',
      'batch',
    ]);
  });
});

describe('pipelineErrors', () => {
  const valid = collectorConfig(debug);
  const validTraces: PipelineConfig = {
    receivers: ['otlp'],
    processors: ['memory_limiter', 'batch'],
    exporters: ['debug'],
  };
  const withTraces = (traces: Partial<PipelineConfig>): CollectorConfig => ({
    ...valid,
    service: {
      ...valid.service,
      pipelines: { traces: { ...validTraces, ...traces } },
    },
  });

  it('accepts the valid base configuration the cases below break', () => {
    expect(collectorConfig(debug).service.pipelines.traces).toEqual(validTraces);
    expect(pipelineErrors(collectorConfig(debug))).toEqual([]);
  });

  it.each<[string, CollectorConfig, string]>([
    [
      'an undefined exporter',
      withTraces({ exporters: ['otlp_grpc', 'debug'] }),
      'pipelines.traces.exporters: "otlp_grpc" is not defined in exporters',
    ],
    [
      'an undefined processor',
      withTraces({ processors: ['memory_limiter', 'k8s_attributes', 'batch'] }),
      'pipelines.traces.processors: "k8s_attributes" is not defined in processors',
    ],
    [
      'memory_limiter after batch',
      withTraces({ processors: ['batch', 'memory_limiter'] }),
      'pipelines.traces.processors: memory_limiter must come first',
    ],
    [
      'a processor no pipeline uses',
      withTraces({ processors: ['memory_limiter'] }),
      'processors.batch: used by no pipeline',
    ],
    [
      'a pipeline without receivers',
      withTraces({ receivers: [] }),
      'pipelines.traces: no receivers',
    ],
    [
      'an extension that is not defined',
      { ...valid, service: { ...valid.service, extensions: ['health_check', 'pprof'] } },
      'service.extensions: "pprof" is not defined',
    ],
    [
      'an unknown signal',
      {
        ...valid,
        service: {
          ...valid.service,
          pipelines: { spans: validTraces },
        },
      },
      'pipelines.spans: the signal must be one of traces, metrics, logs',
    ],
  ])('reports %s', (_label, config, expected) => {
    expect(pipelineErrors(config)).toContain(expected);
  });
});

import { parse } from 'yaml';
import { environment } from '../../test/support/objects';
import { collectorConfigFile } from './check-collector-config';
import { localConfig, main, otlpMetric, sampleSum } from './check-collector-metrics';
import type { CollectorConfig } from '../constructs/otel-collector-config';
import { renderEnvironment } from './render';

const fileOf = (name: 'dev' | 'prod') =>
  collectorConfigFile(renderEnvironment(environment(name))) ?? '';
const ports = { otlpGrpc: 40001, otlpHttp: 40002, healthCheck: 40003, metrics: 40004 };

describe('the local copy of the configuration', () => {
  it('moves only the four listeners, keeping the pod IP variable and the pipelines', () => {
    const original = parse(fileOf('dev')) as CollectorConfig;
    const local = parse(localConfig(fileOf('dev'), ports)) as CollectorConfig;
    expect(local.receivers.otlp?.protocols).toEqual({
      grpc: { endpoint: '${env:MY_POD_IP}:40001' },
      http: { endpoint: '${env:MY_POD_IP}:40002' },
    });
    expect(local.extensions.health_check?.endpoint).toBe('${env:MY_POD_IP}:40003');
    expect(local.service.telemetry.metrics.readers[0]?.pull.exporter.prometheus).toMatchObject({
      host: '${env:MY_POD_IP}',
      port: 40004,
    });
    expect(local.service.pipelines).toEqual(original.service.pipelines);
    expect(local.processors).toEqual(original.processors);
    expect(local.exporters).toEqual(original.exporters);
  });

  it('is refused for a configuration that needs the cluster (prod: k8s_attributes, OTLP backend)', () => {
    expect(() => localConfig(fileOf('prod'), ports)).toThrow(
      'the configuration needs the cluster (k8s_attributes, otlp_grpc)',
    );
  });
});

describe('sampleSum', () => {
  const exposition = [
    '# HELP otelcol_receiver_accepted_metric_points Number of metric points accepted.',
    '# TYPE otelcol_receiver_accepted_metric_points counter',
    'otelcol_receiver_accepted_metric_points{receiver="otlp",transport="http"} 3',
    'otelcol_receiver_accepted_metric_points{receiver="otlp",transport="grpc"} 2',
    'otelcol_receiver_accepted_metric_points_other{receiver="otlp",transport="http"} 100',
    'otelcol_process_uptime 7.5',
  ].join('\n');

  it('sums the samples whose labels include the given ones', () => {
    expect(sampleSum(exposition, 'otelcol_receiver_accepted_metric_points')).toBe(5);
    expect(
      sampleSum(exposition, 'otelcol_receiver_accepted_metric_points', { transport: 'http' }),
    ).toBe(3);
    expect(sampleSum(exposition, 'otelcol_process_uptime')).toBe(7.5);
  });

  it('is undefined for a series that is not there', () => {
    expect(sampleSum(exposition, 'otelcol_exporter_sent_metric_points')).toBeUndefined();
    expect(
      sampleSum(exposition, 'otelcol_receiver_accepted_metric_points', { receiver: 'kafka' }),
    ).toBeUndefined();
  });
});

describe('the pushed metric', () => {
  it('is one cumulative monotonic sum point of OTLP/JSON', () => {
    expect(JSON.parse(otlpMetric('m', 3, 5n))).toMatchObject({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'm',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{ asInt: '3', timeUnixNano: '5' }],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  });
});

describe('check-collector-metrics usage', () => {
  it('reports a missing binary and an environment that needs the cluster as usage errors', async () => {
    const lines: string[] = [];
    expect(await main([], (l) => lines.push(l))).toBe(2);
    expect(await main(['/nonexistent/otelcol'], (l) => lines.push(l))).toBe(2);
    expect(await main([process.execPath, '--env', 'prod'], (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain('/nonexistent/otelcol is not an executable file');
    expect(lines.join('\n')).toContain('prod: the configuration needs the cluster');
  });
});

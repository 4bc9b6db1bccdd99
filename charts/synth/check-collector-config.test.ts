import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { environment } from '../../test/support/objects';
import {
  collectorConfigFile,
  main,
  UNKNOWN_PROCESSOR,
  validateConfigs,
  withUnknownProcessor,
  type Validator,
} from './check-collector-config';
import { renderEnvironment } from './render';

const devFile = collectorConfigFile(renderEnvironment(environment('dev')));

describe('the collector configuration an environment mounts', () => {
  it('is the config.yaml of the collector ConfigMap', () => {
    expect(devFile).toContain('memory_limiter');
    expect(parse(devFile ?? '')).toHaveProperty('service.pipelines.traces');
  });

  it('is undefined when the environment has no collector', () => {
    expect(collectorConfigFile([])).toBeUndefined();
  });
});

describe('the deliberately broken copy', () => {
  it('defines and runs a processor no collector knows, and keeps the rest', () => {
    const broken = parse(withUnknownProcessor(devFile ?? '')) as {
      processors: Record<string, unknown>;
      service: { pipelines: Record<string, { processors: string[] }> };
    };
    expect(broken.processors).toHaveProperty(UNKNOWN_PROCESSOR);
    expect(broken.service.pipelines.traces?.processors).toEqual([
      'memory_limiter',
      'batch',
      UNKNOWN_PROCESSOR,
    ]);
  });
});

/** A validator that accepts exactly the files without `refuse` in them. */
const fake =
  (refuse: string): Validator =>
  (_binary, path) => {
    const text = readFileSync(path, 'utf8');
    return text.includes(refuse)
      ? { status: 1, stdout: '', stderr: `Error: unknown type: "${refuse}"` }
      : { status: 0, stdout: '', stderr: '' };
  };

describe('check-collector-config', () => {
  it('passes when every environment is accepted and the broken copy refused', () => {
    const lines: string[] = [];
    expect(main([process.execPath], (l) => lines.push(l), fake(UNKNOWN_PROCESSOR))).toBe(0);
    expect(lines).toContain('validate prod: accepted, as expected');
    expect(lines.join('\n')).toMatch(/dev-with-no_such_processor: refused \(exit 1\), as expected/);
  });

  it('fails when a collector would accept the broken copy (a validate that checks nothing)', () => {
    const lines: string[] = [];
    expect(main([process.execPath], (l) => lines.push(l), fake('never-there'))).toBe(1);
    expect(lines.join('\n')).toMatch(/dev-with-no_such_processor: accepted, UNEXPECTED/);
  });

  it('fails naming the environment the collector refuses', () => {
    const lines: string[] = [];
    expect(main([process.execPath], (l) => lines.push(l), fake('user-service-prod'))).toBe(1);
    expect(lines.join('\n')).toMatch(/validate prod: refused \(exit 1\), UNEXPECTED/);
  });

  it('reports a missing binary as a usage error', () => {
    const lines: string[] = [];
    expect(main([], (l) => lines.push(l))).toBe(2);
    expect(main(['/nonexistent/otelcol'], (l) => lines.push(l))).toBe(2);
    expect(lines.join('\n')).toContain('/nonexistent/otelcol is not an executable file');
  });

  it('writes each file where validate reads it', () => {
    const seen: string[] = [];
    const results = validateConfigs('otelcol', [{ name: 'a', file: 'x: 1\n' }], (_b, path) => {
      seen.push(path);
      return { status: 0, stdout: '', stderr: '' };
    });
    expect(results).toEqual([{ name: 'a', accepted: true, exitCode: 0, output: '' }]);
    expect(seen[0]).toMatch(/check-collector-config-.*\/a\.yaml$/);
  });
});

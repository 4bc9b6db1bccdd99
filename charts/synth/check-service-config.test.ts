import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environment, get } from '../../test/support/objects';
import {
  checkEnvironments,
  main,
  SECRET_FIXTURES,
  writeSecretFixtures,
} from './check-service-config';
import { renderEnvironment } from './render';
import { serviceProcessEnv } from './service-env';

const prod = renderEnvironment(environment('prod'));
const dev = renderEnvironment(environment('dev'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-config-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the environment of a pod, for the binary outside Kubernetes', () => {
  it('is the ConfigMap plus the env list, with the secret files moved to the fixture folder', () => {
    const env = serviceProcessEnv(prod, '/tmp/fixtures');
    expect(env).toMatchObject({
      DB_HOST: 'postgres.prod.internal.example.com',
      DB_NAME: 'users',
      DB_USER: 'user_service',
      DB_SSLMODE: 'verify-full',
      DB_MAX_CONNS: '10',
      REDIS_ADDR: 'redis.prod.internal.example.com:6379',
      CONSUL_HTTP_ADDR: 'consul.user-service-prod.svc:8500',
      GOMEMLIMIT: '204MiB',
      POD_IP: '10.0.0.10',
      DB_PASSWORD_FILE: '/tmp/fixtures/DB_PASSWORD',
      REDIS_PASSWORD_FILE: '/tmp/fixtures/REDIS_PASSWORD',
      PAGE_TOKEN_SECRET_FILE: '/tmp/fixtures/PAGE_TOKEN_SECRET',
      CONSUL_HTTP_TOKEN_FILE: '/tmp/fixtures/CONSUL_HTTP_TOKEN',
    });
    for (const name of [
      'DB_PASSWORD',
      'REDIS_PASSWORD',
      'PAGE_TOKEN_SECRET',
      'CONSUL_HTTP_TOKEN',
    ]) {
      expect(env[name]).toBeUndefined();
    }
    expect(Object.values(env).join('\n')).not.toContain('/var/run/secrets');
  });

  it('has no Consul token in dev (no ACLs there)', () => {
    const env = serviceProcessEnv(dev, dir);
    expect(env.CONSUL_HTTP_TOKEN_FILE).toBeUndefined();
    expect(env.DB_SSLMODE).toBe('require');
  });

  it('writes one fixture file per key of the mounted Secret', () => {
    expect(writeSecretFixtures(prod, dir)).toEqual([
      'DB_PASSWORD',
      'REDIS_PASSWORD',
      'PAGE_TOKEN_SECRET',
      'CONSUL_HTTP_TOKEN',
    ]);
    expect(readFileSync(join(dir, 'PAGE_TOKEN_SECRET'), 'utf8')).toBe(
      SECRET_FIXTURES.PAGE_TOKEN_SECRET,
    );
    expect(readFileSync(join(dir, 'PAGE_TOKEN_SECRET'), 'utf8').length).toBeGreaterThanOrEqual(16);
  });

  it('refuses what a process outside a pod cannot reproduce (a secretKeyRef)', () => {
    type Container = { name: string; env: unknown[] };
    const objects = structuredClone(prod);
    const deployment = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'user-service',
    );
    const containers = get(deployment, 'spec', 'template', 'spec', 'containers') as Container[];
    containers[0]?.env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } });
    expect(() => serviceProcessEnv(objects, dir)).toThrow(
      'X: set from a secretKeyRef, which a process outside a pod cannot get',
    );
  });
});

/**
 * A stand-in for the service's --check-config (the real flag is the Go service's): it refuses
 * without DB_HOST, when a secret file is missing or the page token key is short, and, to show
 * that the report names the environment, when DB_SSLMODE is "require" (dev).
 */
const FAKE_BINARY = `#!/bin/bash
[ "$1" = "--check-config" ] || { echo "usage" >&2; exit 64; }
[ -n "$DB_HOST" ] || { echo "DB_HOST: required" >&2; exit 2; }
for f in "$DB_PASSWORD_FILE" "$REDIS_PASSWORD_FILE" "$PAGE_TOKEN_SECRET_FILE"; do
  [ -r "$f" ] || { echo "secret file $f: not readable" >&2; exit 2; }
done
[ "$(wc -c < "$PAGE_TOKEN_SECRET_FILE")" -ge 16 ] || { echo "PAGE_TOKEN_SECRET: too short" >&2; exit 2; }
[ "$DB_SSLMODE" != "require" ] || { echo "DB_SSLMODE: require is refused by this fake" >&2; exit 2; }
exit 0
`;

describe('running the binary with --check-config', () => {
  function fake(): string {
    const path = join(dir, 'user-service');
    writeFileSync(path, FAKE_BINARY);
    chmodSync(path, 0o755);
    return path;
  }

  it('passes the rendered env and readable fixture files; removes them afterwards', () => {
    const seen: Record<string, string>[] = [];
    const results = checkEnvironments(fake(), [{ name: 'prod', objects: prod }], (_bin, env) => {
      seen.push(env);
      expect(readFileSync(env.DB_PASSWORD_FILE ?? '', 'utf8')).toBe('fixture-db-password');
      return { status: 0, stdout: '', stderr: '' };
    });
    expect(results).toEqual([{ environment: 'prod', accepted: true, exitCode: 0, output: '' }]);
    expect(existsSync(seen[0]?.DB_PASSWORD_FILE ?? '/')).toBe(false);
  });

  it('reports each environment, naming the refused one with the binary stderr', () => {
    const results = checkEnvironments(fake(), [
      { name: 'dev', objects: dev },
      { name: 'prod', objects: prod },
    ]);
    expect(results).toEqual([
      {
        environment: 'dev',
        accepted: false,
        exitCode: 2,
        output: 'DB_SSLMODE: require is refused by this fake',
      },
      { environment: 'prod', accepted: true, exitCode: 0, output: '' },
    ]);
  });

  it('fails when a secret file the service needs is missing', () => {
    const results = checkEnvironments(fake(), [{ name: 'prod', objects: prod }], (bin, env) =>
      spawnSync(bin, ['--check-config'], {
        env: { ...env, PAGE_TOKEN_SECRET_FILE: '/nonexistent' },
        encoding: 'utf8',
      }),
    );
    expect(results[0]?.accepted).toBe(false);
    expect(results[0]?.output).toBe('secret file /nonexistent: not readable');
  });

  it('as a CLI: exit 1 naming the environment, 0 when accepted, 2 on bad usage', () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    expect(main([fake(), '--env', 'dev'], log)).toBe(1);
    expect(lines).toEqual([
      'check-config dev: REFUSED (exit 2)',
      '  DB_SSLMODE: require is refused by this fake',
      'the service refuses the configuration of: dev',
    ]);
    lines.length = 0;
    expect(main([fake(), '--env', 'staging', '--env', 'prod'], log)).toBe(0);
    expect(lines).toEqual([
      'check-config staging: accepted',
      'check-config prod: accepted',
      'the service accepts the configuration of: staging, prod',
    ]);
    lines.length = 0;
    expect(main([join(dir, 'missing')], log)).toBe(2);
    expect(lines[0]).toBe(
      `check-service-config: ${join(dir, 'missing')} is not an executable file`,
    );
    expect(main([], log)).toBe(2);
  });
});

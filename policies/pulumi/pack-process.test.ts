/**
 * The policy pack as the Node.js language host runs it for `pulumi preview --policy-pack
 * policies`: `node @pulumi/pulumi/cmd/run-policy-pack <engine> <pack folder>` in the pack
 * folder. The test then speaks the engine's side of the Analyzer gRPC protocol to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Empty } from 'google-protobuf/google/protobuf/empty_pb';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { AnalyzerClient } from '@pulumi/pulumi/proto/analyzer_grpc_pb';
import {
  AnalyzeRequest,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  EnforcementLevel,
  type AnalyzeResponse,
} from '@pulumi/pulumi/proto/analyzer_pb';
import { compliant, containerOf, set, type Mutable } from '../test/fixtures';
import { RULES } from '../rules';

const PACK = resolve(__dirname, '..');
let pack: ChildProcess;
let client: AnalyzerClient;

beforeAll(async () => {
  const runner = require.resolve('@pulumi/pulumi/cmd/run-policy-pack');
  pack = spawn(process.execPath, [runner, '127.0.0.1:1', PACK], {
    cwd: PACK,
    env: { ...process.env, PULUMI_NODEJS_STACK: 'prod' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<string>((done, fail) => {
    let out = '';
    let err = '';
    pack.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(\d+)\s*$/m.exec(out);
      if (line?.[1] !== undefined) done(line[1]);
    });
    pack.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    pack.on('exit', (code) => {
      fail(new Error(`policy pack exited with ${String(code)} before serving:\n${out}\n${err}`));
    });
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client.close();
  pack.kill();
});

const TYPES: Readonly<Record<string, string>> = {
  Namespace: 'kubernetes:core/v1:Namespace',
  Deployment: 'kubernetes:apps/v1:Deployment',
  Service: 'kubernetes:core/v1:Service',
  HorizontalPodAutoscaler: 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
  PodDisruptionBudget: 'kubernetes:policy/v1:PodDisruptionBudget',
  NetworkPolicy: 'kubernetes:networking.k8s.io/v1:NetworkPolicy',
  ServiceAccount: 'kubernetes:core/v1:ServiceAccount',
  ExternalSecret: 'kubernetes:external-secrets.io/v1:ExternalSecret',
};

/** `policy: message` of each diagnostic, with its enforcement level. */
function diagnostics(response: AnalyzeResponse) {
  return response.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    mandatory: d.getEnforcementlevel() === EnforcementLevel.MANDATORY,
    message: d.getMessage(),
  }));
}

function analyzeStack(objects: readonly Mutable[]): Promise<AnalyzeResponse> {
  const resources = objects.map((o, i) => {
    const kind = String(o.kind);
    const type = TYPES[kind] ?? `kubernetes:unknown/v1:${kind}`;
    return new AnalyzerResource()
      .setType(type)
      .setName(`r${i}`)
      .setUrn(`urn:pulumi:prod::platform::${type}::r${i}`)
      .setOptions(new AnalyzerResourceOptions())
      .setProperties(Struct.fromJavaScript(o as Parameters<typeof Struct.fromJavaScript>[0]));
  });
  return new Promise((done, fail) => {
    client.analyzeStack(
      new AnalyzeStackRequest().setResourcesList(resources),
      (error, response) => {
        if (error === null) done(response);
        else fail(error);
      },
    );
  });
}

function analyze(type: string, name: string, props: Mutable): Promise<AnalyzeResponse> {
  const request = new AnalyzeRequest()
    .setType(type)
    .setName(name)
    .setUrn(`urn:pulumi:prod::platform::${type}::${name}`)
    .setOptions(new AnalyzerResourceOptions())
    .setProperties(Struct.fromJavaScript(props as Parameters<typeof Struct.fromJavaScript>[0]));
  return new Promise((done, fail) => {
    client.analyze(request, (error, response) => {
      if (error === null) done(response);
      else fail(error);
    });
  });
}

describe('the policy pack process', () => {
  it('announces every rule as a policy of user-platform-policies', async () => {
    const info = await new Promise<{ name: string; policies: string[] }>((done, fail) => {
      client.getAnalyzerInfo(new Empty(), (error, response) => {
        if (error !== null) {
          fail(error);
          return;
        }
        done({
          name: response.getName(),
          policies: response.getPoliciesList().map((p) => p.getName()),
        });
      });
    });
    expect(info.name).toBe('user-platform-policies');
    expect(info.policies).toEqual(expect.arrayContaining(RULES.map((r) => r.id)));
  });

  it('passes a compliant Deployment and rejects a privileged one (mandatory)', async () => {
    const ok = await analyze('kubernetes:apps/v1:Deployment', 'shop', compliant().deployment);
    expect(diagnostics(ok)).toEqual([]);

    const bad = compliant().deployment;
    set(containerOf(bad), 'securityContext.privileged', true);
    expect(diagnostics(await analyze('kubernetes:apps/v1:Deployment', 'shop', bad))).toEqual([
      {
        policy: 'pss-privileged',
        mandatory: true,
        message: expect.stringContaining(
          'spec.template.spec.containers[0].securityContext.privileged',
        ) as unknown,
      },
    ]);
  });

  it('judges the stack together: spec.replicas under an HPA is rejected', async () => {
    const f = compliant();
    expect(diagnostics(await analyzeStack(f.all))).toEqual([]);
    set(f.deployment, 'spec.replicas', 3);
    expect(diagnostics(await analyzeStack(f.all))).toEqual([
      {
        policy: 'hpa-no-static-replicas',
        mandatory: true,
        message: expect.stringContaining('Deployment/shop (shop-prod) spec.replicas') as unknown,
      },
    ]);
  });
});

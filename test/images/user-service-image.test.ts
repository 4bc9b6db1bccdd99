import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CA_BUNDLE,
  configOf,
  distrolessStaticNonroot,
  dockerArchive,
  entriesOf,
  finalStage,
  NONROOT,
  tarOf,
  ZONEINFO,
  type ImageEntry,
} from '../e2e/node/src/image';

const DOCKERFILE = join(__dirname, '../../services/user-service/Dockerfile');
const dockerfile = readFileSync(DOCKERFILE, 'utf8');
const stage = finalStage(dockerfile);
const binary = Buffer.from('\x7fELF fake server');
const layer = tarOf(
  distrolessStaticNonroot(
    stage.copies[0]?.dst ?? '',
    binary,
    Buffer.from('ca'),
    join(__dirname, 'fixtures/zoneinfo'),
  ),
);
const entries = entriesOf(layer);
const byPath = new Map<string, ImageEntry>(entries.map((e) => [e.path, e]));

describe('the e2e user-service image (test/e2e/node/src/image.ts) vs the Dockerfile', () => {
  it('reads the final stage of the Dockerfile', () => {
    expect(stage).toEqual({
      from: 'gcr.io/distroless/static-debian12:nonroot',
      copies: [{ from: 'build', src: '/out/server', dst: '/server' }],
      user: '65532:65532',
      entrypoint: ['/server'],
      expose: ['50051/tcp', '8080/tcp'],
    });
  });

  it('has the final stage entrypoint, user and ports in its config', () => {
    const config = configOf(stage);
    expect(config.entrypoint).toEqual(stage.entrypoint);
    expect(config.user).toBe(stage.user);
    expect(config.exposedPorts).toEqual(stage.expose);
    expect(config.workingDir).toBe(NONROOT.home);
  });

  it('puts the binary where the Dockerfile copies it, executable', () => {
    const server = byPath.get('/server');
    expect(server?.type).toBe('file');
    expect(server?.mode).toBe(0o755);
    expect(server?.content?.equals(binary)).toBe(true);
  });

  it('has the nonroot user and group 65532 of distroless', () => {
    const passwd = byPath.get('/etc/passwd')?.content?.toString() ?? '';
    const group = byPath.get('/etc/group')?.content?.toString() ?? '';
    expect(passwd.split('\n')).toContain(
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
    );
    expect(group.split('\n')).toContain('nonroot:x:65532:');
    const home = byPath.get('/home/nonroot');
    expect([home?.type, home?.uid, home?.gid, home?.mode]).toEqual(['dir', 65532, 65532, 0o700]);
  });

  it('has CA certificates, tzdata and a sticky world-writable /tmp', () => {
    expect(byPath.get(CA_BUNDLE)?.content?.toString()).toBe('ca');
    expect(byPath.get(`${ZONEINFO}/UTC`)?.type).toBe('file');
    expect(byPath.get(`${ZONEINFO}/Etc/UTC`)?.type).toBe('file');
    expect(byPath.get('/tmp')?.mode).toBe(0o1777);
  });

  it('has no shell and no binary but the server', () => {
    const executables = entries.filter((e) => e.type === 'file' && (e.mode & 0o111) !== 0);
    expect(executables.map((e) => e.path)).toEqual(['/server']);
    for (const p of ['/bin/sh', '/bin', '/usr/bin', '/sbin']) expect(byPath.has(p)).toBe(false);
  });

  it('writes a docker-archive whose manifest names the layer and the config', () => {
    const archive = entriesOf(dockerArchive(['x/y:e2e'], layer, configOf(stage)));
    const manifest = JSON.parse(archive[0]?.content?.toString() ?? '[]') as {
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }[];
    expect(manifest[0]?.RepoTags).toEqual(['x/y:e2e']);
    const config = JSON.parse(
      archive.find((e) => e.path === `/${manifest[0]?.Config ?? ''}`)?.content?.toString() ?? '{}',
    ) as { config: { Entrypoint: string[]; User: string } };
    expect(config.config.Entrypoint).toEqual(['/server']);
    expect(config.config.User).toBe('65532:65532');
    const stored = archive.find((e) => e.path === `/${manifest[0]?.Layers[0] ?? ''}`);
    expect(stored?.content?.equals(layer)).toBe(true);
  });

  it('refuses a Dockerfile whose final stage is another base', () => {
    expect(() => configOf(finalStage('FROM debian:12\nENTRYPOINT ["/server"]\n'))).toThrow(
      /reproduces gcr.io\/distroless\/static-debian12:nonroot/,
    );
  });
});

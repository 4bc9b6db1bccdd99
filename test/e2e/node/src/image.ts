/**
 * Container images without a registry: a one-layer image written as a docker-archive
 * (manifest.json + config + layer tar), which `ctr -n k8s.io images import` reads.
 *
 * The user-service image is laid out as gcr.io/distroless/static-debian12:nonroot is (the
 * Dockerfile's final stage): uid/gid 65532 "nonroot" in /etc/passwd and /etc/group, the CA
 * bundle, tzdata, a 1777 /tmp, /home/nonroot, no shell and no other binary; the server at
 * /server, `USER 65532:65532`, `ENTRYPOINT ["/server"]`. test/images/ checks this layout against
 * the Dockerfile.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One entry of a layer. Paths are absolute inside the image ("/etc/passwd"). */
export interface ImageEntry {
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly content?: Buffer;
  readonly target?: string;
}

/** The parts of an image config that the Dockerfile's final stage decides. */
export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly user: string;
  readonly exposedPorts: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
}

/** The final stage of a Dockerfile, as far as the image layout goes. */
export interface FinalStage {
  readonly from: string;
  readonly copies: readonly {
    readonly from?: string;
    readonly src: string;
    readonly dst: string;
  }[];
  readonly user?: string;
  readonly entrypoint?: readonly string[];
  readonly expose: readonly string[];
}

/** Parses the last `FROM` stage of a Dockerfile (COPY, USER, ENTRYPOINT exec form, EXPOSE). */
export function finalStage(dockerfile: string): FinalStage {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const start = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  if (start < 0) throw new Error('Dockerfile has no FROM');
  const from = (lines[start] ?? '').split(/\s+/)[1] ?? '';
  const copies: { from?: string; src: string; dst: string }[] = [];
  let user: string | undefined;
  let entrypoint: string[] | undefined;
  const expose: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    switch (instruction.toUpperCase()) {
      case 'COPY': {
        const flags = rest.filter((r) => r.startsWith('--'));
        const args = rest.filter((r) => !r.startsWith('--'));
        const fromFlag = flags.find((f) => f.startsWith('--from='));
        if (args.length !== 2) throw new Error(`unsupported COPY: ${line}`);
        copies.push({
          ...(fromFlag === undefined ? {} : { from: fromFlag.slice('--from='.length) }),
          src: args[0] ?? '',
          dst: args[1] ?? '',
        });
        break;
      }
      case 'USER':
        user = rest.join(' ');
        break;
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(rest.join(' ')) as string[];
        break;
      case 'EXPOSE':
        expose.push(...rest.map((p) => (p.includes('/') ? p : `${p}/tcp`)));
        break;
      default:
        break;
    }
  }
  return {
    from,
    copies,
    ...(user === undefined ? {} : { user }),
    ...(entrypoint === undefined ? {} : { entrypoint }),
    expose,
  };
}

/** The base this module reproduces, and what distroless static nonroot puts into an image. */
export const DISTROLESS_STATIC_NONROOT = 'gcr.io/distroless/static-debian12:nonroot';
export const NONROOT = { uid: 65532, gid: 65532, name: 'nonroot', home: '/home/nonroot' };
const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
  `nonroot:x:${NONROOT.uid}:${NONROOT.gid}:nonroot:${NONROOT.home}:/sbin/nologin`,
];
const GROUP = ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', 'nonroot:x:65532:'];
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
export const ZONEINFO = '/usr/share/zoneinfo';
/** The entrypoint of docker.io/otel/opentelemetry-collector-k8s. */
export const COLLECTOR_ENTRYPOINT = '/otelcol-k8s';
const BASE_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `SSL_CERT_FILE=${CA_BUNDLE}`,
];

const dir = (path: string, mode = 0o755, uid = 0, gid = 0): ImageEntry => ({
  path,
  type: 'dir',
  mode,
  uid,
  gid,
});
const file = (path: string, content: Buffer, mode = 0o644): ImageEntry => ({
  path,
  type: 'file',
  mode,
  uid: 0,
  gid: 0,
  content,
});

/** Every file and link under a host directory, as image entries under `at`. */
export function treeOf(hostDir: string, at: string): ImageEntry[] {
  const out: ImageEntry[] = [dir(at)];
  for (const name of readdirSync(hostDir).sort()) {
    const host = join(hostDir, name);
    const path = posix.join(at, name);
    const st = lstatSync(host);
    if (st.isSymbolicLink()) {
      out.push({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: readlinkSync(host) });
    } else if (st.isDirectory()) {
      out.push(...treeOf(host, path));
    } else if (st.isFile()) {
      out.push(file(path, readFileSync(host)));
    }
  }
  return out;
}

/**
 * The distroless static nonroot layout with `entrypointBinary` copied to `binaryPath`.
 * `caBundle` and `zoneinfoDir` come from the host's ca-certificates and tzdata packages.
 */
export function distrolessStaticNonroot(
  binaryPath: string,
  binary: Buffer,
  caBundle: Buffer,
  zoneinfoDir: string,
): ImageEntry[] {
  return [
    dir('/etc'),
    file('/etc/passwd', Buffer.from(`${PASSWD.join('\n')}\n`)),
    file('/etc/group', Buffer.from(`${GROUP.join('\n')}\n`)),
    file('/etc/nsswitch.conf', Buffer.from('hosts: files dns\n')),
    file(
      '/etc/os-release',
      Buffer.from(
        'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\n',
      ),
    ),
    dir('/etc/ssl'),
    dir('/etc/ssl/certs'),
    file(CA_BUNDLE, caBundle),
    dir('/home'),
    dir(NONROOT.home, 0o700, NONROOT.uid, NONROOT.gid),
    dir('/root', 0o700),
    dir('/tmp', 0o1777),
    dir('/usr'),
    dir('/usr/share'),
    ...treeOf(zoneinfoDir, ZONEINFO),
    file(binaryPath, binary, 0o755),
  ];
}

/** `/a/b/c` -> [`/a`, `/a/b`]. */
function parentsOf(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** The image config of the Dockerfile's final stage on distroless static nonroot. */
export function configOf(stage: FinalStage): ImageConfig {
  if (stage.from !== DISTROLESS_STATIC_NONROOT) {
    throw new Error(
      `final stage FROM ${stage.from}: this layout reproduces ${DISTROLESS_STATIC_NONROOT}`,
    );
  }
  return {
    entrypoint: stage.entrypoint ?? [],
    user: stage.user ?? String(NONROOT.uid),
    exposedPorts: stage.expose,
    env: BASE_ENV,
    workingDir: NONROOT.home,
  };
}

// ------------------------------------------------------------------ tar (ustar)
function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: ImageEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  let name = entry.path.replace(/^\//, '');
  if (entry.type === 'dir') name += '/';
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2 > 155 ? 155 : name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) {
    throw new Error(`path too long for ustar: ${entry.path}`);
  }
  h.write(name, 0, 100);
  h.write(octal(entry.mode & 0o7777, 8), 100);
  h.write(octal(entry.uid, 8), 108);
  h.write(octal(entry.gid, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0', 156);
  if (entry.target !== undefined) h.write(entry.target, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A tar archive of the entries, in order. */
export function tarOf(entries: readonly ImageEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.type === 'file' ? (e.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(e, content.length), content);
    const pad = (512 - (content.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** Reads a tar written by {@link tarOf} (or any ustar without extensions) back into entries. */
export function entriesOf(tar: Buffer): ImageEntry[] {
  const out: ImageEntry[] = [];
  let at = 0;
  const str = (b: Buffer): string => b.toString('utf8').replace(/\0.*$/s, '');
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const name = str(h.subarray(0, 100));
    const prefix = str(h.subarray(345, 500));
    const size = parseInt(str(h.subarray(124, 136)), 8);
    const flag = String.fromCharCode(h[156] ?? 48);
    const path = `/${prefix === '' ? '' : `${prefix}/`}${name}`.replace(/\/$/, '');
    const type = flag === '5' ? 'dir' : flag === '2' ? 'symlink' : 'file';
    const content = tar.subarray(at + 512, at + 512 + size);
    out.push({
      path,
      type,
      mode: parseInt(str(h.subarray(100, 108)), 8),
      uid: parseInt(str(h.subarray(108, 116)), 8),
      gid: parseInt(str(h.subarray(116, 124)), 8),
      ...(type === 'file' ? { content: Buffer.from(content) } : {}),
      ...(type === 'symlink' ? { target: str(h.subarray(157, 257)) } : {}),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * A docker-archive of one layer: what `docker save` writes and `ctr images import` reads.
 * `names` are the references it is tagged with (e.g. registry.example.com/x/y:e2e).
 */
export function dockerArchive(
  names: readonly string[],
  layer: Buffer,
  config: ImageConfig,
): Buffer {
  const diffId = `sha256:${sha256(layer)}`;
  const cfg = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        User: config.user,
        Env: config.env,
        Entrypoint: config.entrypoint,
        WorkingDir: config.workingDir,
        ExposedPorts: Object.fromEntries(config.exposedPorts.map((p) => [p, {}])),
      },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'test/e2e/node/src/image.ts' }],
    }),
  );
  const cfgName = `${sha256(cfg)}.json`;
  const layerName = `${sha256(layer)}/layer.tar`;
  const manifest = Buffer.from(
    JSON.stringify([{ Config: cfgName, RepoTags: names, Layers: [layerName] }]),
  );
  const f = (path: string, content: Buffer): ImageEntry => ({
    path,
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    content,
  });
  return tarOf([
    f('/manifest.json', manifest),
    f(`/${cfgName}`, cfg),
    { path: `/${sha256(layer)}`, type: 'dir', mode: 0o755, uid: 0, gid: 0 },
    f(`/${layerName}`, layer),
  ]);
}

/**
 * `node image.js user-service DOCKERFILE BINARY OUT.tar NAME...`: the Dockerfile's final stage
 * rebuilt from BINARY; `node image.js static BINARY OUT.tar NAME...`: BINARY as /<basename>,
 * the entrypoint, nothing else (the pause image).
 */
export function main(argv: readonly string[]): void {
  const [kind, ...args] = argv;
  if (kind === 'user-service') {
    const [dockerfile = '', binary = '', out = '', ...names] = args;
    const stage = finalStage(readFileSync(dockerfile, 'utf8'));
    const copy = stage.copies.find((c) => c.from !== undefined);
    if (copy === undefined) throw new Error(`${dockerfile}: the final stage copies no binary`);
    const entries = distrolessStaticNonroot(
      copy.dst,
      readFileSync(binary),
      readFileSync(CA_BUNDLE),
      ZONEINFO,
    );
    writeFileSync(out, dockerArchive(names, tarOf(entries), configOf(stage)));
  } else if (kind === 'static') {
    const [binary = '', out = '', ...names] = args;
    const path = `/${binary.split('/').pop() ?? 'bin'}`;
    const layer = tarOf([file(path, readFileSync(binary), 0o755)]);
    writeFileSync(
      out,
      dockerArchive(names, layer, {
        entrypoint: [path],
        user: '65535:65535',
        exposedPorts: [],
        env: [],
        workingDir: '/',
      }),
    );
  } else if (kind === 'collector') {
    // like docker.io/otel/opentelemetry-collector-k8s: FROM scratch, the binary as /otelcol-k8s
    // (its entrypoint; the charts pass only --config), CA certificates, USER 10001
    // `-- LIB...`: shared libraries of a cgo-linked binary (ldd), copied at their host paths
    const sep = args.indexOf('--');
    const [binary = '', out = '', ...names] = sep < 0 ? args : args.slice(0, sep);
    const libs = sep < 0 ? [] : args.slice(sep + 1);
    const libDirs = [...new Set(libs.flatMap((l) => parentsOf(l)))].sort();
    const layer = tarOf([
      dir('/etc'),
      dir('/etc/ssl'),
      dir('/etc/ssl/certs'),
      file(CA_BUNDLE, readFileSync(CA_BUNDLE)),
      ...libDirs.map((d) => dir(d)),
      ...libs.map((l) => file(l, readFileSync(l), 0o755)),
      file(COLLECTOR_ENTRYPOINT, readFileSync(binary), 0o755),
    ]);
    writeFileSync(
      out,
      dockerArchive(names, layer, {
        entrypoint: [COLLECTOR_ENTRYPOINT],
        user: '10001',
        exposedPorts: ['4317/tcp', '4318/tcp', '13133/tcp'],
        env: [],
        workingDir: '/',
      }),
    );
  } else {
    throw new Error(
      'usage: image.js user-service DOCKERFILE BINARY OUT NAME... | static|collector BINARY OUT NAME...',
    );
  }
}

#!/usr/bin/env bash
# test/e2e/node/images.sh OUT_DIR — the images the real nodes run, as docker-archive tars in
# OUT_DIR (no registry: node.sh imports them with `ctr -n k8s.io images import`):
#   user-service-1.tar  registry.example.com/platform/user-service:e2e-1   (make build VERSION=e2e-1)
#   user-service-2.tar  registry.example.com/platform/user-service:e2e-2   (VERSION=e2e-2: another digest,
#                       for the rolling update)
#   pause.tar           registry.k8s.io/pause:3.10 (test/e2e/node/pause, the sandbox image)
#   otel-collector.tar  docker.io/otel/opentelemetry-collector-k8s:e2e (tools/otelcol/build.sh's binary
#                       as /otelcol-k8s, the upstream image's entrypoint)
# Each user-service image is the Dockerfile's final stage rebuilt from the real binary, laid out as
# distroless static nonroot (test/e2e/node/src/image.ts; checked by test/images/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
out=${1:?usage: images.sh OUT_DIR}
mkdir -p "$out" lib/e2e-node
export CGO_ENABLED=0 GOTOOLCHAIN=local
node -e "
  require('esbuild').build({ entryPoints: ['test/e2e/node/src/image-cli.ts'], bundle: true,
    platform: 'node', format: 'cjs', target: 'node20', outfile: 'lib/e2e-node/image.js',
    logLevel: 'warning' }).catch(() => process.exit(1));"
(cd test/e2e/node/pause && go build -trimpath -ldflags '-s -w' -o "$OLDPWD/lib/e2e-node/pause" .)
node lib/e2e-node/image.js static lib/e2e-node/pause "$out/pause.tar" registry.k8s.io/pause:3.10
for n in 1 2; do
  make -s -C services/user-service build VERSION="e2e-$n" >&2
  cp services/user-service/bin/server "lib/e2e-node/server-$n"
  node lib/e2e-node/image.js user-service services/user-service/Dockerfile "lib/e2e-node/server-$n" \
    "$out/user-service-$n.tar" "registry.example.com/platform/user-service:e2e-$n"
done
# the collector of tools/otelcol (exactly the components the charts' configuration names)
otelcol=${E2E_OTELCOL_BIN:-$(bash tools/otelcol/build.sh)}
[[ -x $otelcol ]] || { echo "[images] ERROR: missing tool: the collector binary $otelcol (tools/otelcol/build.sh)" >&2; exit 1; }
# tools/otelcol/build.sh links with cgo (libc): the image carries the loader and libraries ldd names
# shellcheck disable=SC2046
node lib/e2e-node/image.js collector "$otelcol" "$out/otel-collector.tar" docker.io/otel/opentelemetry-collector-k8s:e2e \
  -- $(ldd "$otelcol" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
ls -l "$out" >&2

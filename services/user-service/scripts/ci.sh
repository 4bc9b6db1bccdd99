#!/usr/bin/env bash
# CI entry point of the user service; works on a fresh Debian 12 machine as
# root (the repository's .ci/run calls it). Installs what it needs, then runs:
# gofmt, go vet, golangci-lint, the `make proto` byte-identical check,
# go test -race with real Postgres and Redis, short fuzz runs, go build.
set -euo pipefail

SERVICE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Go needs a HOME (module and build caches); the toolchain may not be on PATH.
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
for d in /usr/local/go/bin "${HOME}/go/bin"; do
  [[ -x "${d}/go" && ":${PATH}:" != *":${d}:"* ]] && export PATH="${PATH}:${d}"
done
cd "${SERVICE_DIR}"
export TOOLS_BIN="${TOOLS_BIN:-${HOME}/.cache/user-service/bin}"
export PATH="${TOOLS_BIN}:${PATH}"
FUZZTIME="${FUZZTIME:-30000x}"

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
need=()
command -v protoc >/dev/null || need+=(protobuf-compiler)
[[ -f /usr/include/google/protobuf/descriptor.proto ]] || need+=(libprotobuf-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v git >/dev/null || need+=(git)
command -v make >/dev/null || need+=(make)
if [[ ${#need[@]} -gt 0 ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "missing packages (${need[*]}) and not root: install them first" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Never let package scripts start system services (no systemd here anyway;
  # our servers run on their own free ports).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
protoc --version
command -v go >/dev/null || { echo "go toolchain not found" >&2; exit 1; }
go version

step "pinned Go tools"
./scripts/tools.sh protoc-gen-go protoc-gen-go-grpc protoc-gen-grpc-gateway golangci-lint

step "go mod download / verify"
go mod download
go mod verify

step "gofmt"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './third_party/*'))"
if [[ -n "${unformatted}" ]]; then
  echo "gofmt needed:" >&2
  echo "${unformatted}" >&2
  exit 1
fi

step "go vet"
go vet ./...

step "golangci-lint"
golangci-lint run ./...

step "make proto is byte-identical"
make --no-print-directory proto
if ! git diff --exit-code -- api/proto; then
  echo "generated code differs from 'make proto' output: run make proto and commit" >&2
  exit 1
fi
if [[ -n "$(git status --porcelain -- api/proto)" ]]; then
  echo "make proto produced untracked files:" >&2
  git status --porcelain -- api/proto >&2
  exit 1
fi

step "go test -race (real Postgres and Redis)"
./scripts/with-deps.sh go test -race -count=1 ./...

step "fuzz (${FUZZTIME} each)"
make --no-print-directory fuzz FUZZTIME="${FUZZTIME}"

step "go build"
make --no-print-directory build
ls -l bin/server
size=$(stat -c %s bin/server)
if (( size > 20000000 )); then
  echo "stripped binary is ${size} bytes, over the 20 MB budget" >&2
  exit 1
fi

step "user-service CI passed"

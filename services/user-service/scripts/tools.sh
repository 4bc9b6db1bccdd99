#!/usr/bin/env bash
# Installs the pinned Go tools used by `make proto`, `make lint` and `make bench`
# into $TOOLS_BIN (default: ~/.cache/user-service/bin). Idempotent: a tool whose
# pinned version is already installed is skipped.
set -euo pipefail

TOOLS_BIN="${TOOLS_BIN:-${HOME:-/root}/.cache/user-service/bin}"
mkdir -p "${TOOLS_BIN}"

# name|module@version
TOOLS=(
  "protoc-gen-go|google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12"
  "protoc-gen-go-grpc|google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2"
  "protoc-gen-grpc-gateway|github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@v2.33.0"
  "golangci-lint|github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0"
  "ghz|github.com/bojand/ghz/cmd/ghz@v0.121.0"
)

want="${*:-}"
for entry in "${TOOLS[@]}"; do
  name="${entry%%|*}"
  pkg="${entry#*|}"
  if [[ -n "${want}" && " ${want} " != *" ${name} "* ]]; then
    continue
  fi
  stamp="${TOOLS_BIN}/.${name}.version"
  if [[ -x "${TOOLS_BIN}/${name}" && -f "${stamp}" && "$(cat "${stamp}")" == "${pkg}" ]]; then
    continue
  fi
  echo "installing ${pkg}" >&2
  GOBIN="${TOOLS_BIN}" GOFLAGS=-mod=mod go install "${pkg}"
  echo "${pkg}" > "${stamp}"
done

#!/usr/bin/env bash
# Measures synth of every environment against the floor: the time node needs just to load
# cdk8s-plus-28. Prints both and their ratio (target: at most 3x). Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-15}
node scripts/build.mjs
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
floor_cmd="node -e \"require('cdk8s-plus-28')\""
synth_cmd="node lib/synth.js -q --outdir $out/dist"
npm_cmd="npm run --silent synth -- -q --outdir $out/dist-npm"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs "$runs" --export-json "$out/bench.json" -N \
    -n floor "$floor_cmd" -n synth "$synth_cmd" -n "npm run synth" "$npm_cmd" >&2
  node -e '
    const r = require(process.argv[1]).results;
    const ms = (n) => r.find((x) => x.command === n).mean * 1000;
    const f = ms("floor"), s = ms("synth"), n = ms("npm run synth");
    console.log(`load floor (node + cdk8s-plus-28): ${f.toFixed(0)} ms`);
    console.log(`synth, 3 environments:            ${s.toFixed(0)} ms  (${(s / f).toFixed(2)}x floor)`);
    console.log(`npm run synth (build + synth):    ${n.toFixed(0)} ms  (${(n / f).toFixed(2)}x floor)`);
  ' "$out/bench.json"
else
  echo "hyperfine not found (apt-get install -y hyperfine); timing $runs runs with bash time" >&2
  t() { local s e; s=$(date +%s%N); for _ in $(seq "$runs"); do eval "$1" >/dev/null; done; e=$(date +%s%N); echo $(( (e - s) / runs / 1000000 )); }
  f=$(t "$floor_cmd"); s=$(t "$synth_cmd"); n=$(t "$npm_cmd")
  echo "load floor: ${f} ms; synth: ${s} ms ($(( s * 100 / f ))% of floor); npm run synth: ${n} ms"
fi

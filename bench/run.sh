#!/usr/bin/env bash
# ptunnel benchmark wrapper (npm run bench [-- --quick]): raises the descriptor limit for the
# 10,000 idle connections, then runs bench/run.js inside a private network namespace holding only
# loopback (unshare -n), so nothing it starts can be reached from outside (proxytunnel can only
# listen on 0.0.0.0) and its ports cannot clash with other work on the machine. Without
# unshare/ip or the right to use them it runs in the host namespace, loopback only, and skips
# proxytunnel. PTUNNEL_BENCH_NETNS=0 forces the host namespace.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

if [ ! -f "$root/dist/main.js" ]; then
  echo "bench: dist/main.js is missing; run: npm run build" >&2
  exit 1
fi

want=65536
ulimit -Hn "$want" 2>/dev/null || true
ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

if [ "${PTUNNEL_BENCH_NETNS:-1}" = 1 ] && [ "${PTUNNEL_BENCH_IN_NETNS:-}" != 1 ] \
  && command -v unshare >/dev/null && command -v ip >/dev/null \
  && unshare -n true 2>/dev/null; then
  export PTUNNEL_BENCH_IN_NETNS=1 PTUNNEL_BENCH_NETNS=1
  exec unshare -n bash -c 'ip link set lo up && exec node "$@"' bench "$here/run.js" "$@"
fi
export PTUNNEL_BENCH_NETNS=0
exec node "$here/run.js" "$@"

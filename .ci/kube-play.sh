#!/usr/bin/env bash
# The chart's pods, run (issue 17): renders helm/ptunnel and the sidecar example with
# deploy/podman/*.yaml and runs them with `podman kube play` against squid, dnsmasq and IMAPS/SMTP
# test servers on the host's loopback (test/packaging/kube-play.kube.ts). Needs root, podman
# (../shared/tools/container-base.sh), squid, dnsmasq, openssl and the image PTUNNEL_IMAGE
# (ptunnel:ci): `.ci/packaging.sh container` builds it first and this step reuses it; run alone,
# it builds the image when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${PTUNNEL_IMAGE:-ptunnel:ci}
export PTUNNEL_IMAGE=$IMAGE CI="${CI:-true}"
start=$(date +%s)
if [ -z "${PTUNNEL_SHARED_TOOLS:-}" ]; then
  for d in ../shared/tools ../../shared/tools; do [ -f "$d/helm.sh" ] && PTUNNEL_SHARED_TOOLS=$(cd "$d" && pwd) && break; done
fi
export PTUNNEL_SHARED_TOOLS=${PTUNNEL_SHARED_TOOLS:?shared tools not found; set PTUNNEL_SHARED_TOOLS}
command -v podman >/dev/null 2>&1 || bash "$PTUNNEL_SHARED_TOOLS/container-base.sh"
for t in squid dnsmasq slirp4netns; do
  command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$t" >/dev/null; }
done
if ! podman image exists "$IMAGE"; then
  echo "kube: $IMAGE missing, building it"
  podman build --pull=never --network host --format docker -t "$IMAGE" .
fi
npx jest --ci --testMatch '**/test/packaging/kube-*.kube.ts' --testTimeout 120000 "$@"
echo "kube: podman kube play step took $(( $(date +%s) - start )) s"

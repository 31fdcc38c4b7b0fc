#!/usr/bin/env bash
# Packaging checks (issue 6): the container image, the Helm chart, deploy/ and the Dockerfile.
# Called by .ci/run after the tests; runs as root with CI=true on a fresh machine and installs
# what it needs. Parts run alone too:
#   .ci/packaging.sh                 everything
#   .ci/packaging.sh dockerfile      lint the Dockerfile (dockerfile-utils via npx)
#   .ci/packaging.sh container       base images, podman build (with and without kerberos), --help/presets,
#                                    real tunnels via squid and via squid + MIT KDC (Negotiate)
#   .ci/packaging.sh helm            lint, template (default, sidecar example, invalid values) + YAML assertions
#   .ci/packaging.sh kustomize       kubectl kustomize deploy/k8s/...
#   .ci/packaging.sh deploy          docker-compose.yml parses, systemd unit verifies
# Env: PTUNNEL_SHARED_TOOLS (default ../shared/tools beside the repo), PTUNNEL_IMAGE (ptunnel:ci).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CI="${CI:-true}"
export DEBIAN_FRONTEND=noninteractive
IMAGE=${PTUNNEL_IMAGE:-ptunnel:ci}
export PTUNNEL_IMAGE=$IMAGE

step() { printf '\n--- %s\n' "$*"; }
die() { printf 'packaging: FAILED: %s\n' "$*" >&2; exit 1; }

# ../shared/tools: beside the repository in CI; PTUNNEL_SHARED_TOOLS wins; a worktree may be deeper.
shared_tools() {
  local d
  for d in "${PTUNNEL_SHARED_TOOLS:-}" "$ROOT/../shared/tools" "$ROOT/../../shared/tools" \
           "$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)/../../shared/tools"; do
    [ -n "$d" ] && [ -f "$d/helm.sh" ] && [ -f "$d/container-base.sh" ] && { (cd "$d" && pwd); return 0; }
  done
  die "shared tools not found (looked for ../shared/tools beside $ROOT); set PTUNNEL_SHARED_TOOLS"
}
TOOLS=$(shared_tools)
export PTUNNEL_SHARED_TOOLS=$TOOLS

need_node_modules() {
  [ -d node_modules/jest ] && [ -d node_modules/yaml ] && return 0
  step "npm ci (packaging tests need jest and yaml)"
  npm ci --no-audit --no-fund
}

jest_run() { npx jest --ci "$@"; }

do_dockerfile() {
  step "dockerfile: npx dockerfile-utils lint Dockerfile"
  npx --yes dockerfile-utils lint Dockerfile || die "dockerfile-utils lint Dockerfile"
  for f in Dockerfile .dockerignore; do [ -f "$f" ] || die "$f missing"; done
}

do_container() {
  need_node_modules
  step "container: shared/tools/container-base.sh (podman, base image stand-ins)"
  bash "$TOOLS/container-base.sh"
  if ! command -v squid >/dev/null 2>&1 && [ ! -x /usr/sbin/squid ]; then
    step "container: installing squid"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends squid >/dev/null
  fi
  # the KDC of the Negotiate squid (test/support/kdc.ts); .ci/run installs these too
  if ! command -v krb5kdc >/dev/null 2>&1 && [ ! -x /usr/sbin/krb5kdc ] || ! command -v kinit >/dev/null 2>&1; then
    step "container: installing krb5-kdc, krb5-admin-server, krb5-user"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends krb5-kdc krb5-admin-server krb5-user >/dev/null
  fi
  for svc in squid krb5-kdc krb5-admin-server; do
    systemctl stop "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
  done

  step "container: podman build --pull=never --network host -t $IMAGE ."
  # --format docker keeps HEALTHCHECK (the OCI format has no such field)
  podman build --pull=never --network host --format docker -t "$IMAGE" .
  size=$(podman image inspect "$IMAGE" --format '{{.Size}}')
  printf 'image %s: %s bytes (%s MB)\n' "$IMAGE" "$size" "$((size / 1000000))"
  user=$(podman image inspect "$IMAGE" --format '{{.Config.User}}')
  [ "$user" = "65532:65532" ] || [ "$user" = 65532 ] || die "image user is '$user', expected 65532"
  podman image inspect "$IMAGE" --format '{{json .Config.Healthcheck}}' | grep -q '"health"' || die "image has no HEALTHCHECK with ptunnel health"

  run() { podman run --rm --no-healthcheck --network host "$IMAGE" "$@"; }
  step "container: podman run $IMAGE --help"
  out=$(run --help) || die "--help exited $?"
  grep -q 'Usage: ptunnel' <<<"$out" || die "--help printed no usage"
  step "container: podman run $IMAGE presets"
  out=$(run presets) || die "presets exited $?"
  printf '%s\n' "$out"
  grep -q 'gmail' <<<"$out" || die "presets does not list gmail"
  step "container: podman run $IMAGE presets show gmail"
  out=$(run presets show gmail) || die "presets show gmail exited $?"
  grep -q 'imap.gmail.com' <<<"$out" || die "presets show gmail lacks imap.gmail.com"
  step "container: a bad option exits 2"
  set +e; run --no-such-option >/dev/null 2>&1; rc=$?; set -e
  [ "$rc" = 2 ] || die "a bad option exited $rc, expected 2"

  # Negotiate is optional: an image whose kerberos build is skipped (or fails) still works.
  step "container: podman build --build-arg KERBEROS=0 (no kerberos module): the image still works"
  podman build --pull=never --network host --format docker --build-arg KERBEROS=0 -t "$IMAGE-nokrb" . >/dev/null
  nokrb_size=$(podman image inspect "$IMAGE-nokrb" --format '{{.Size}}')
  printf 'image %s: %s bytes (%s MB); with kerberos %s bytes more\n' "$IMAGE-nokrb" "$nokrb_size" "$((nokrb_size / 1000000))" "$((size - nokrb_size))"
  out=$(podman run --rm --no-healthcheck --network host "$IMAGE-nokrb" --help) || die "--help in the image without kerberos exited $?"
  grep -q 'Usage: ptunnel' <<<"$out" || die "the image without kerberos prints no usage"
  out=$(podman run --rm --no-healthcheck --network host --entrypoint /nodejs/bin/node "$IMAGE-nokrb" -e \
    "try { require('/app/node_modules/kerberos'); console.log('present') } catch (e) { console.log(e.code) }") || die "node in the image without kerberos exited $?"
  [ "$out" = MODULE_NOT_FOUND ] || die "the image built with KERBEROS=0 has a kerberos module ($out)"
  podman rmi "$IMAGE-nokrb" >/dev/null
  echo "ok: no kerberos module, ptunnel runs"

  step "container: real tunnels container -> squid (loopback) -> test server, bytes verified; Negotiate via squid + MIT KDC; health; helm-test script"
  # one suite at a time: containers on the host network share its ports (and its 2 cores)
  jest_run --runInBand --testMatch '**/test/packaging/*.container.ts'
}

do_helm() {
  need_node_modules
  step "helm: shared/tools/helm.sh"
  HELM=$(bash "$TOOLS/helm.sh"); export HELM
  "$HELM" version --short
  step "helm: lint --strict helm/ptunnel"
  "$HELM" lint --strict helm/ptunnel
  step "helm: template with default values"
  "$HELM" template ptunnel helm/ptunnel >/dev/null
  step "helm: template with invalid values (the schema must reject them)"
  set +e; msg=$("$HELM" template ptunnel helm/ptunnel --set config.mode=sometimes --set bogus=1 2>&1); rc=$?; set -e
  [ "$rc" != 0 ] || die "helm template accepted invalid values"
  grep -q "schema" <<<"$msg" || die "invalid values were not rejected by the schema: $msg"
  echo "rejected as expected: $(grep -m1 'at ' <<<"$msg")"
  step "helm: sidecar example (deploy/helm/mail-processor), lint and template"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/helm" "$tmp/deploy/helm"
  cp -r helm/ptunnel "$tmp/helm/"; cp -r deploy/helm/mail-processor "$tmp/deploy/helm/"
  "$HELM" dependency build "$tmp/deploy/helm/mail-processor" >/dev/null
  "$HELM" lint --strict "$tmp/deploy/helm/mail-processor"
  "$HELM" template mp "$tmp/deploy/helm/mail-processor" | grep -q 'restartPolicy: Always' || die "sidecar example has no native sidecar"
  rm -rf "$tmp"
  # .ci/run sets PTUNNEL_HELM_JEST=0: npm test already ran these.
  if [ "${PTUNNEL_HELM_JEST:-1}" = 1 ]; then
    step "helm: rendered YAML asserted (jest test/packaging/helm-*.test.ts)"
    jest_run test/packaging/helm-*.test.ts test/packaging/readme-helm.test.ts
  fi
}

do_kustomize() {
  step "kustomize: kubectl from shared/tools/helm.sh kubectl"
  KUBECTL=$(bash "$TOOLS/helm.sh" kubectl); export KUBECTL
  for d in deploy/k8s/standalone deploy/k8s/sidecar deploy/k8s; do
    step "kustomize: kubectl kustomize $d"
    "$KUBECTL" kustomize "$d" >/dev/null || die "kubectl kustomize $d"
    echo "ok $d"
  done
}

do_deploy() {
  need_node_modules
  step "deploy: docker-compose.yml parses and publishes on loopback only"
  node -e '
    const YAML = require("yaml");
    const doc = YAML.parse(require("fs").readFileSync("deploy/docker-compose.yml", "utf8"));
    const s = doc.services.ptunnel;
    if (!s.command.includes("--preset")) throw new Error("compose: no --preset");
    for (const p of s.ports) if (!String(p).startsWith("127.0.0.1:")) throw new Error(`compose: port ${p} not on loopback`);
    console.log("ok deploy/docker-compose.yml");'
  step "deploy: systemd unit"
  if command -v systemd-analyze >/dev/null 2>&1; then
    systemd-analyze verify deploy/systemd/ptunnel.service
  fi
  for k in DynamicUser=yes ProtectSystem=strict NoNewPrivileges=yes CapabilityBoundingSet=; do
    grep -q "^$k" deploy/systemd/ptunnel.service || die "ptunnel.service lacks $k"
  done
  echo "ok deploy/systemd/ptunnel.service"
}

parts=("$@")
[ "${#parts[@]}" -gt 0 ] || parts=(dockerfile helm kustomize deploy container)
for p in "${parts[@]}"; do
  case "$p" in
    dockerfile|container|helm|kustomize|deploy) "do_$p" ;;
    *) die "unknown part '$p' (dockerfile, container, helm, kustomize, deploy)" ;;
  esac
done
step "packaging: all checks passed (${parts[*]})"

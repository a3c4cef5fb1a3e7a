#!/usr/bin/env bash
# Installs the Debian packages Longshore's build, tests and local stack use, skipping what is present.
set -euo pipefail
need=()
# runc, containernetworking-plugins, busybox-static, iproute2 and util-linux run the real node's Pods (hack/Longshore.TestBed/KubeNode.cs).
# e2fsprogs ships chattr, which the CLI tests use to make a store folder unwritable even for root.
# golang-github-masterminds-sprig-dev and golang-github-ghodss-yaml-dev build hack/chart-render, which renders
# charts/longshore as helm template does (there is no helm package in Debian).
# buildah, mmdebstrap and uidmap build the images (hack/build-images.sh); podman runs them in the image tests.
# prometheus ships promtool (the alert rules' checks and unit series) and the Prometheus the end-to-end alert test runs.
for pkg in docker-registry containerd runc containernetworking-plugins busybox-static iproute2 util-linux etcd-server skopeo golang-go \
  golang-github-masterminds-sprig-dev golang-github-ghodss-yaml-dev buildah mmdebstrap uidmap podman \
  apache2-utils rsync curl ca-certificates openssl jq prometheus e2fsprogs; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Only promtool and the binary are wanted: the tests start their own Prometheus on loopback, so the package's
  # system service (listening on :9090) is stopped and disabled when this run installed it.
  if [[ " ${need[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

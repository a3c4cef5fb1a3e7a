#!/usr/bin/env bash
# Installs the Debian packages Longshore's build, tests and local stack use, skipping what is present.
set -euo pipefail
need=()
# runc, containernetworking-plugins, busybox-static, iproute2 and util-linux run the real node's Pods (hack/Longshore.TestBed/KubeNode.cs).
for pkg in docker-registry containerd runc containernetworking-plugins busybox-static iproute2 util-linux etcd-server skopeo golang-go \
  apache2-utils rsync curl ca-certificates openssl jq; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

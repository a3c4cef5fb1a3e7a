#!/usr/bin/env bash
# `make run`: with KUBECONFIG pointing at a cluster, runs the operator against it; otherwise brings up the whole of
# Longshore locally on real parts (etcd, kube-apiserver, registry, containerd, operator, agent) until Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${KUBECONFIG:-}" ]]; then
  echo "==> KUBECONFIG is set: running the operator against that cluster (apply config/crd/bases and config/rbac first)"
  exec dotnet run -c Release --project src/Longshore.Operator -- --kubeconfig "$KUBECONFIG" --namespace "${LONGSHORE_NAMESPACE:-longshore-system}"
fi
if ((EUID != 0)); then
  echo "the local stack runs containerd, which needs root; run make run as root or set KUBECONFIG" >&2
  exit 1
fi
bash hack/build-kube-apiserver.sh >/dev/null
exec dotnet run -c Release --project hack/Longshore.LocalStack

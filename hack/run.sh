#!/usr/bin/env bash
# `make run`: with KUBECONFIG pointing at a cluster, runs the operator against it; otherwise brings up the whole of
# Longshore locally on real parts (etcd, kube-apiserver, registry, containerd, operator, agent) until Ctrl+C.
# The program is built first and then exec'd, so Ctrl+C reaches it directly and the script ends when it does; no
# build server is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
build() { dotnet build "$1" -c Release -nologo -v quiet -nodeReuse:false -p:UseSharedCompilation=false >&2; }
if [[ -n "${KUBECONFIG:-}" ]]; then
  echo "==> KUBECONFIG is set: running the operator against that cluster (apply config/crd/bases and config/rbac first)"
  build src/Longshore.Operator/Longshore.Operator.csproj
  exec dotnet src/Longshore.Operator/bin/Release/net10.0/longshore-operator.dll --kubeconfig "$KUBECONFIG" --namespace "${LONGSHORE_NAMESPACE:-longshore-system}"
fi
if ((EUID != 0)); then
  echo "the local stack runs containerd, which needs root; run make run as root or set KUBECONFIG" >&2
  exit 1
fi
bash hack/build-kube-apiserver.sh >/dev/null
echo "==> building the local stack"
build hack/Longshore.LocalStack/Longshore.LocalStack.csproj
exec dotnet hack/Longshore.LocalStack/bin/Release/net10.0/Longshore.LocalStack.dll

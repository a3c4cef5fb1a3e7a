#!/usr/bin/env bash
# Local demo of the image engine on real parts: a throwaway docker-registry on loopback, a generated
# multi-layer sample image pushed to it with skopeo, pulled into a fresh layer store with the CLI, listed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

work=$(mktemp -d -t longshore-demo.XXXXXX)
registry_pid=""
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

say "building the longshore CLI"
dotnet build src/Longshore.Cli/Longshore.Cli.csproj -c Release -nologo -v quiet -o "$work/cli" >/dev/null
longshore() { dotnet "$work/cli/longshore.dll" --store "$work/store" "$@"; }

# A free loopback port: ask the kernel for one, then release it for the registry.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
say "starting docker-registry on 127.0.0.1:$port"
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<EOF
version: 0.1
log: { level: error }
storage:
  filesystem: { rootdirectory: $work/registry }
  delete: { enabled: true }
http: { addr: 127.0.0.1:$port }
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/v2/" >/dev/null || { echo "registry did not start:"; cat "$work/registry.log"; exit 1; }

# Writes one blob into the OCI layout and prints "digest size".
put_blob() {
  local file=$1 hex size
  hex=$(sha256sum "$file" | cut -d' ' -f1)
  size=$(stat -c %s "$file")
  mv "$file" "$work/layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}

say "generating a three-layer sample image (OCI layout)"
mkdir -p "$work/layout/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
layers_json="" diff_ids=""
for n in 1 2 3; do
  dir="$work/layer$n"
  mkdir -p "$dir/opt/demo"
  echo "layer $n of the Longshore demo image" >"$dir/opt/demo/layer$n.txt"
  head -c $((n * 2 * 1024 * 1024)) /dev/urandom >"$dir/opt/demo/payload$n.bin"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$work/layer$n.tar" .
  diff_id="sha256:$(sha256sum "$work/layer$n.tar" | cut -d' ' -f1)"
  gzip -n -1 "$work/layer$n.tar"
  read -r digest size < <(put_blob "$work/layer$n.tar.gz")
  layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$digest\",\"size\":$size}"
  diff_ids+="${diff_ids:+,}\"$diff_id\""
done
printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"Cmd":["/bin/sh"],"Labels":{"org.opencontainers.image.title":"longshore-demo"}},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[{"created_by":"longshore demo"}]}' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$diff_ids" >"$work/config.json"
read -r config_digest config_size < <(put_blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
  "$config_digest" "$config_size" "$layers_json" >"$work/manifest.json"
read -r manifest_digest manifest_size < <(put_blob "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1.0"}}]}' \
  "$manifest_digest" "$manifest_size" >"$work/layout/index.json"

image="127.0.0.1:$port/demo/app"
say "pushing it to the registry with skopeo: $image:1.0"
skopeo copy --quiet --insecure-policy --dest-tls-verify=false "oci:$work/layout:1.0" "docker://$image:1.0"

say "longshore resolve $image:1.0"
longshore resolve "$image:1.0"

say "longshore image pull $image:1.0   (into a fresh store)"
longshore image pull "$image:1.0"

say "longshore image pull $image:1.0   (again: every layer already exists)"
longshore image pull "$image:1.0"

say "longshore image tag $image:1.0 demo/app:stable"
longshore image tag "$image:1.0" demo/app:stable

say "longshore image ls --digests"
longshore image ls --digests

say "longshore image inspect demo/app:stable --format json"
longshore image inspect demo/app:stable --format json | jq '.[0] | {Id, RepoTags, RepoDigests, Os, Architecture, Size, RootFS}'

say "longshore image df"
longshore image df

say "longshore fsck"
longshore fsck

echo
echo "demo finished: store $work/store is removed on exit"

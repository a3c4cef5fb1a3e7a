#!/usr/bin/env bash
# Builds the agent and operator images from Dockerfile.agent and Dockerfile.operator with buildah, without any public
# base image: a Debian base made with mmdebstrap stands in for mcr.microsoft.com/dotnet/runtime-deps, and that base
# plus this machine's /usr/share/dotnet stands in for mcr.microsoft.com/dotnet/sdk. Both are cached (the base tarball
# in ~/.cache/longshore, the images in buildah's storage) under a key of their recipe, so a changed recipe rebuilds.
# The image builds use buildah's layer cache: the restore stage, shared line for line by both Dockerfiles, runs once.
# Prints the seconds each step took on stderr and the built image names on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${LONGSHORE_CACHE:-$HOME/.cache/longshore}
tag=${IMAGE_TAG:-dev}
agent_image=${AGENT_IMAGE:-localhost/longshore/agent:$tag}
operator_image=${OPERATOR_IMAGE:-localhost/longshore/operator:$tag}
dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
host_ca=/etc/ssl/certs/ca-certificates.crt
mkdir -p "$cache"

for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "build-images: $tool is missing (make deps installs it)" >&2; exit 1; }
done

# The Debian mirror this machine's apt uses (deb822 sources), deb.debian.org otherwise.
mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}

# What runtime-deps holds: the C and C++ runtimes, OpenSSL, zlib, CA certificates and time zones. No ICU: both
# apps run with invariant globalization.
base_packages=ca-certificates,libc6,libgcc-s1,libssl3,libstdc++6,tzdata,zlib1g
base_recipe="bookworm|$mirror|minbase|$base_packages|no-docs"
base_key=$(sha256sum <<<"$base_recipe" | cut -c1-12)
base_image=localhost/longshore/base:$base_key
base_tar=$cache/base-$base_key.tar

# The SDK stand-in's environment: NuGet cannot reach certificate revocation servers from here (the host's own setting
# travels with its SDK), and no MSBuild node or diagnostics socket is left behind in a layer's /tmp.
sdk_env=(DOTNET_ROOT=/usr/share/dotnet PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
  NUGET_CERT_REVOCATION_MODE=offline MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 DOTNET_EnableDiagnostics=0)
# It is keyed by the base, its environment and the exact SDKs and runtimes copied in.
sdk_key=$(sha256sum <<<"$base_key|${sdk_env[*]}|$("$dotnet_root/dotnet" --list-sdks)|$("$dotnet_root/dotnet" --list-runtimes)" | cut -c1-12)
sdk_image=localhost/longshore/sdk:$sdk_key

step_start=0
step() { step_start=$SECONDS; echo "build-images: $1" >&2; }
took() { echo "build-images: $1 took $((SECONDS - step_start)) s" >&2; }
present() { buildah inspect --type image "$1" >/dev/null 2>&1; }

if ! present "$base_image"; then
  if [[ ! -s $base_tar ]]; then
    step "making the Debian base with mmdebstrap ($mirror)"
    mmdebstrap --variant=minbase --include="$base_packages" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      bookworm "$base_tar.partial" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" >/dev/null 2>&1 \
      || { rm -f "$base_tar.partial"; echo "build-images: mmdebstrap failed" >&2; exit 1; }
    mv "$base_tar.partial" "$base_tar"
    took "mmdebstrap"
  fi
  step "importing the base as $base_image"
  c=$(buildah from scratch)
  buildah add --quiet "$c" "$base_tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$c"
  buildah commit --quiet --rm "$c" "$base_image" >/dev/null
  took "base import"
fi

if ! present "$sdk_image"; then
  step "making the SDK stand-in $sdk_image from $dotnet_root"
  c=$(buildah from --pull=never "$base_image")
  buildah copy --quiet "$c" "$dotnet_root" /usr/share/dotnet >/dev/null
  buildah config "${sdk_env[@]/#/--env=}" "$c"
  buildah commit --quiet --rm "$c" "$sdk_image" >/dev/null
  took "SDK stand-in"
fi

# The host CA is mounted so NuGet over HTTPS trusts what this machine trusts; the network is the host's.
for target in agent operator; do
  image_var=${target}_image
  step "building ${!image_var} from Dockerfile.$target"
  buildah bud --quiet --layers --pull=never --network=host \
    --volume "$host_ca:/etc/ssl/certs/ca-certificates.crt:ro" \
    --build-arg SDK_IMAGE="$sdk_image" --build-arg RUNTIME_IMAGE="$base_image" \
    -f "Dockerfile.$target" -t "${!image_var}" . >/dev/null
  took "$target image"
done

echo "$agent_image"
echo "$operator_image"

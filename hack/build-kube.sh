#!/usr/bin/env bash
# Builds Kubernetes v1.20.2 components from Debian's `kubernetes` source package (Debian ships no
# binary package for them) and caches them outside the repo. Components missing from the cache, or
# built by an older recipe (this file), are built together in one `make WHAT=...`, which shares the
# compile work between them. Prints each binary's path, one a line, on stdout.
#
#   hack/build-kube.sh [COMPONENT...]   default: kube-apiserver kubelet kube-scheduler kube-controller-manager
#   LONGSHORE_CACHE   cache root (default: ~/.cache/longshore); binaries land in $LONGSHORE_CACHE/bin
#                     as NAME-v1.20.2, each with a NAME-v1.20.2.recipe stamp
#
# Only Debian's apt archive is contacted: the source package vendors every Go dependency.
set -euo pipefail

readonly version=v1.20.2
readonly cache="${LONGSHORE_CACHE:-$HOME/.cache/longshore}"
readonly reflect2_src=/usr/share/gocode/src/github.com/modern-go/reflect2
readonly known=(kube-apiserver kubelet kube-scheduler kube-controller-manager)

components=("$@")
((${#components[@]})) || components=("${known[@]}")
for c in "${components[@]}"; do
  [[ " ${known[*]} " == *" $c "* ]] || { echo "unknown component '$c' (known: ${known[*]})" >&2; exit 2; }
done

# Progress goes to stderr so that stdout carries only the path.
exec 3>&1 1>&2

log() { printf '==> %s %s\n' "$(date +%T)" "$*"; }

# The recipe is this script: a change to it rebuilds every component once.
recipe="$(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-16)"

bin_of() { echo "$cache/bin/$1-$version"; }
usable() {
  local bin; bin="$(bin_of "$1")"
  [[ -x $bin && -f $bin.recipe && "$(<"$bin.recipe")" == "$recipe" ]] && "$bin" --version >/dev/null 2>&1
}
missing=()
find_missing() {
  missing=()
  local c
  for c in "${components[@]}"; do usable "$c" || missing+=("$c"); done
}
print_paths() { local c; for c in "${components[@]}"; do bin_of "$c" >&3; done; }

find_missing
if ((${#missing[@]} == 0)); then
  print_paths
  exit 0
fi

mkdir -p "$cache/bin"
# Parallel test runs may all find the cache empty; only one of them builds. Every build shares
# $cache/build, so every build takes this one lock (its name predates the other components).
exec 9>"$cache/kube-apiserver.lock"
flock 9
find_missing
if ((${#missing[@]} == 0)); then
  print_paths
  exit 0
fi

dl="" tmp=""
cleanup() { [[ -z $dl ]] || rm -rf "$dl"; [[ -z $tmp ]] || rm -f "$tmp"; }
trap cleanup EXIT

as_root() {
  if ((EUID == 0)); then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_update() {
  ((apt_updated)) && return 0
  log "apt-get update"
  as_root apt-get update -qq
  apt_updated=1
}

has_kubernetes_source() {
  apt-cache showsrc --only-source kubernetes 2>/dev/null | grep -q '^Package: kubernetes$'
}

# Prints every configured sources file apt reads (one-line *.list and deb822 *.sources).
apt_source_files() {
  local list parts
  eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d)"
  [[ -f $list ]] && echo "$list"
  local f
  for f in "$parts"/*.list "$parts"/*.sources; do
    [[ -f $f ]] && echo "$f"
  done
  return 0
}

# Writes deb-src twins of the enabled `deb` entries that point at the Debian archive itself
# (…/debian, not debian-security or third-party repositories, which may have no source indices).
add_deb_src() {
  local parts files=() f out deb822="" oneline=""
  eval "$(apt-config shell parts Dir::Etc::sourceparts/d)"
  parts="${parts%/}"
  mapfile -t files < <(apt_source_files)
  for f in "${files[@]}"; do
    if [[ $f == *.sources ]]; then
      out="$(awk 'BEGIN { RS = ""; FS = "\n" }
        {
          types = ""; uris = ""; enabled = "yes"; body = ""
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^[ \t]*#/) continue
            if ($i ~ /^Types:/)   { types = $i; continue }
            if ($i ~ /^URIs:/)    uris = $i
            if ($i ~ /^Enabled:/) enabled = tolower($i)
            body = body $i "\n"
          }
          if (enabled ~ /no/ || types !~ /[: \t]deb([ \t]|$)/ || uris !~ /\/debian\/?([ \t]|$)/) next
          printf "Types: deb-src\n%s\n", body
        }' "$f")"
      [[ -z $out ]] || deb822+="$out"$'\n\n'
    else
      # One-line format: "deb [options] URI suite component…".
      out="$(awk '$1 == "deb" {
          uri = ($2 ~ /^\[/) ? "" : $2
          for (i = 2; i <= NF && uri == ""; i++) if ($i ~ /\]$/) uri = $(i + 1)
          if (uri !~ /\/debian\/?$/) next
          $1 = "deb-src"; print
        }' "$f")"
      [[ -z $out ]] || oneline+="$out"$'\n'
    fi
  done
  if [[ -z $deb822 && -z $oneline ]]; then
    echo "no 'deb' entry for the Debian archive in: ${files[*]}" >&2
    exit 1
  fi
  if [[ -n $deb822 ]]; then
    log "adding $parts/longshore-deb-src.sources"
    printf '%s' "$deb822" | as_root tee "$parts/longshore-deb-src.sources" >/dev/null
  fi
  if [[ -n $oneline ]]; then
    log "adding $parts/longshore-deb-src.list"
    printf '%s' "$oneline" | as_root tee "$parts/longshore-deb-src.list" >/dev/null
  fi
}

need=()
for pkg in golang-go rsync golang-github-modern-go-reflect2-dev dpkg-dev make; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
  apt_update
  log "installing: ${need[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The source files are kept, so a rebuild needs no network at all.
src="$cache/src"
shopt -s nullglob
origs=("$src"/kubernetes_*.orig.tar.gz)
if ((${#origs[@]} == 0)); then
  if ! has_kubernetes_source; then
    files=()
    mapfile -t files < <(apt_source_files)
    # Add entries only when no configured file asks for sources yet.
    if ! grep -qsE '^[[:space:]]*(Types:.*deb-src|deb-src[[:space:]])' "${files[@]}"; then
      add_deb_src
    fi
    # The new entries need their own index, even when apt was updated above.
    apt_updated=0
    apt_update
    if ! has_kubernetes_source; then
      echo "apt knows no source package 'kubernetes'; check the deb-src entries under /etc/apt" >&2
      exit 1
    fi
  fi
  log "downloading the kubernetes source package"
  mkdir -p "$src"
  dl="$(mktemp -d "$src/download.XXXXXX")"
  # As root, apt would fetch as its _apt user, which cannot write here, and fall back to root
  # with a warning; ask for root directly.
  sandbox=()
  ((EUID == 0)) && sandbox=(-o APT::Sandbox::User=root)
  (cd "$dl" && apt-get "${sandbox[@]}" source --download-only -qq kubernetes)
  mv "$dl"/* "$src"/
  origs=("$src"/kubernetes_*.orig.tar.gz)
  if ((${#origs[@]} != 1)); then
    echo "expected one kubernetes_*.orig.tar.gz in $src, found ${#origs[@]}" >&2
    exit 1
  fi
fi
shopt -u nullglob

build="$cache/build"
tree="$build/kubernetes-${version#v}"
rm -rf "$build"
mkdir -p "$build/home" "$build/gopath/src/k8s.io" "$cache/go-build"
log "unpacking $(basename "${origs[-1]}")"
tar -xzf "${origs[-1]}" -C "$build"
if [[ ! -d $tree/vendor ]]; then
  echo "the source package did not unpack as $tree" >&2
  exit 1
fi

# reflect2 1.0.1 reads runtime map internals that changed in Go 1.18: the API server builds but
# dies with "fatal error: fault" in mapiterinit on the first CRD write. Debian's copy is fixed.
# The build runs in GOPATH mode (hack/lib/init.sh sets GO111MODULE=off), where vendor/ is used as
# a plain directory and vendor/modules.txt and go.mod are not consulted, so they stay untouched.
log "replacing vendored reflect2 with $reflect2_src"
rm -rf "$tree/vendor/github.com/modern-go/reflect2"
cp -rL "$reflect2_src" "$tree/vendor/github.com/modern-go/reflect2"
rm -f "$tree/vendor/github.com/modern-go/reflect2/go.mod"

# The GOPATH layout Debian's own build (debian/rules) uses.
ln -sfn "$tree" "$build/gopath/src/k8s.io/kubernetes"
# hack/lib/golang.sh points GOCACHE at _output/local/go/cache; keep it outside the tree so it
# survives the clean-up below and makes the next build fast.
mkdir -p "$tree/_output/local/go"
ln -sfn "$cache/go-build" "$tree/_output/local/go/cache"

what="$(printf 'cmd/%s ' "${missing[@]}")"
log "building ${what% } (minutes when the Go build cache is cold)"
started=$SECONDS
(
  cd "$tree"
  env -u GOFLAGS -u GOBIN -u GOROOT \
    PATH="/usr/lib/go/bin:$PATH" \
    GOPATH="$build/gopath" \
    GOCACHE="$cache/go-build" \
    HOME="$build/home" \
    CGO_ENABLED=0 \
    make WHAT="${what% }"
)
log "built in $((SECONDS - started)) s"

for c in "${missing[@]}"; do
  out="$tree/_output/bin/$c"
  if ! "$out" --version | grep -qx "Kubernetes $version"; then
    echo "unexpected binary at $out: $("$out" --version 2>&1 || true)" >&2
    exit 1
  fi
  bin="$(bin_of "$c")"
  tmp="$(mktemp "$cache/bin/.$c.XXXXXX")"
  cp "$out" "$tmp"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$bin"
  echo "$recipe" >"$bin.recipe"
done

# The unpacked tree and its generated files take about 300 MB; the sources and Go cache stay.
log "removing $build"
rm -rf "$build"
log "done"

print_paths

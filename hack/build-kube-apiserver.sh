#!/usr/bin/env bash
# Builds kube-apiserver v1.20.2 (see hack/build-kube.sh) and prints its path as the last stdout line.
exec bash "$(dirname "${BASH_SOURCE[0]}")/build-kube.sh" kube-apiserver

# Longshore — image lifecycle for Kubernetes nodes.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIGURATION ?= Release
RESULTS := artifacts/test-results

.PHONY: help deps kube kube-apiserver images build test run demo bench fmt lint clean manifests chart

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

deps: ## install the Debian packages the tests and the local stack use (skips what is present)
	@bash hack/deps.sh

build: ## build every project (warnings are errors)
	$(DOTNET) build Operator.sln -c $(CONFIGURATION) -nologo -v minimal

test: deps kube images ## run every test, unit and integration, against real components (a real node and the built images included)
	@bash hack/test.sh $(CONFIGURATION) $(RESULTS)

kube: ## build kube-apiserver, kubelet, kube-scheduler, kube-controller-manager v1.20.2 from Debian's source (cached in ~/.cache/longshore)
	@bash hack/build-kube.sh >/dev/null

kube-apiserver: ## build only kube-apiserver v1.20.2 (cached in ~/.cache/longshore)
	@bash hack/build-kube-apiserver.sh >/dev/null

images: deps ## build the agent and operator images from the Dockerfiles with buildah (Debian base cached in ~/.cache/longshore)
	@bash hack/build-images.sh >/dev/null

run: deps ## the whole of Longshore locally on real parts until Ctrl+C (or the operator against $$KUBECONFIG)
	@bash hack/run.sh

demo: deps ## the image engine alone: a throwaway registry, a sample image pushed, pulled with the CLI and listed
	@bash hack/demo.sh

bench: deps ## print benchmark figures (pull speed against skopeo)
	$(DOTNET) build src/Longshore.Cli/Longshore.Cli.csproj -c Release -nologo -v quiet -o artifacts/cli
	$(DOTNET) run -c Release --project bench/Longshore.Bench -- $(BENCH_ARGS)

fmt: ## format the code in place
	$(DOTNET) format Operator.sln

lint: ## check formatting and analyzers without changing files
	$(DOTNET) format Operator.sln --verify-no-changes
	$(DOTNET) build Operator.sln -c $(CONFIGURATION) -nologo -v minimal

manifests: ## regenerate config/crd/bases from the API types; copy them, the alert rules and the dashboard into charts/longshore
	$(DOTNET) run -c $(CONFIGURATION) --project src/Longshore.Cli -- manifests --output config/crd/bases
	rm -f charts/longshore/crds/*.yaml && cp config/crd/bases/*.yaml charts/longshore/crds/
	cp config/prometheus/rules/longshore.rules.yaml config/grafana/longshore-dashboard.json charts/longshore/files/

chart: deps ## print charts/longshore rendered as helm template does, without helm (CHART_ARGS="--namespace NS --set k=v -f values.yaml")
	@mkdir -p artifacts
	@GOPATH=/usr/share/gocode GO111MODULE=off go build -o artifacts/chart-render ./hack/chart-render
	@artifacts/chart-render --namespace longshore-system $(CHART_ARGS) charts/longshore

clean: ## remove build output
	rm -rf artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj

# wxlink-operator Makefile. `make help` lists the targets.
#
# Everything a target needs is built from Go modules into bin/ on first use and reused after:
# developer tools from hack/tools/go.mod, Helm from hack/tools/helm/go.mod, and the control plane (etcd, kube-apiserver) from
# hack/controlplane/*/go.mod. Nothing is downloaded from outside the Go module proxy.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

# Image of the manager, for docker-build and deploy.
IMG ?= ghcr.io/wxlink/wxlink-operator:v0.1.0

LOCALBIN := $(CURDIR)/bin
GOOS := $(shell go env GOOS)
GOARCH := $(shell go env GOARCH)
K8S_VERSION := $(shell sed -n 's/^require k8s.io\/kubernetes v//p' hack/controlplane/kube-apiserver/go.mod)
# Where hack/build-controlplane.sh puts etcd and kube-apiserver: envtest reads it as KUBEBUILDER_ASSETS.
KUBEBUILDER_ASSETS := $(LOCALBIN)/k8s/$(K8S_VERSION)-$(GOOS)-$(GOARCH)
export KUBEBUILDER_ASSETS

CONTROLLER_GEN := $(LOCALBIN)/controller-gen
CRD_REF_DOCS := $(LOCALBIN)/crd-ref-docs
KUSTOMIZE := $(LOCALBIN)/kustomize
GOLANGCI_LINT := $(LOCALBIN)/golangci-lint
HELM := $(LOCALBIN)/helm
HELM_VERSION := $(shell sed -n 's/^\thelm.sh\/helm\/v4 \(v[^ ]*\).*/\1/p' hack/tools/helm/go.mod)
# kubectl: the machine's own, or one built from k8s.io/kubernetes where there is none.
KUBECTL ?= $(or $(shell command -v kubectl 2>/dev/null),$(KUBEBUILDER_ASSETS)/kubectl)

# Packages tested by `test-unit` (pure and envtest tests); test/e2e and test/reliability need the built binaries
# and a control plane, and test/chart and test/monitoring need bin/helm (a long build): `make helm-lint` and
# `make test-monitoring` run them.
UNIT_PACKAGES = $(shell go list ./... | grep -v -e /test/e2e -e /test/reliability -e /test/chart -e /test/monitoring)
# The pure rules package stays fully covered by its table tests.
RULES_MIN_COVERAGE ?= 100
# Generated files: `verify-generated` fails when regenerating them changes anything.
GENERATED := config/crd/bases api/v1alpha1/zz_generated.deepcopy.go docs/api.md config/argocd/argocd-cm.yaml \
	charts/wxlink/templates/crds charts/wxlink/templates/_rules.tpl \
	config/monitoring/prometheusrule/prometheusrule.yaml config/monitoring/dashboards/wxlink.json
# The monitoring bundle's alerts and dashboard, as the kustomize components ship them, and the list of metrics
# they select (hack/promcheck writes it; test/monitoring and test/e2e check it against the manager).
MONITORING_RULES := config/monitoring/prometheusrule/prometheusrule.yaml
MONITORING_DASHBOARD := config/monitoring/dashboards/wxlink.json
MONITORING_METRICS := test/monitoring/metrics-used.txt
# The type and label names of every metric family they use, which promcheck checks their labels against.
MONITORING_LABELS := test/monitoring/metric-labels.txt
MONITORING_OBJECTS := ../../config/monitoring/servicemonitor/monitor.yaml,../../$(MONITORING_RULES)

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRDs (and, from the controllers' markers, the RBAC role).
	$(CONTROLLER_GEN) crd paths="./api/..." output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=manager-role paths="./..." output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate the DeepCopy methods of the API types, the Argo CD health check config, the Helm chart's CRDs and RBAC rules (from config/), and config/monitoring's copies of the chart's alerts and dashboard.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."
	go run ./hack/argocd config/argocd/argocd-cm.yaml
	go run ./hack/chartgen
	go run ./hack/monitoring charts/wxlink config/monitoring

.PHONY: monitoring
monitoring: generate ## Parse the alerts and the dashboard with Prometheus's parser (hack/promcheck) and rewrite the list of metrics they select.
	cd hack/promcheck && go run . -objects $(MONITORING_OBJECTS) -rules ../../$(MONITORING_RULES) -dashboard ../../$(MONITORING_DASHBOARD) \
		-names ../../$(MONITORING_METRICS) -labels ../../$(MONITORING_LABELS) -write

.PHONY: api-docs
api-docs: $(CRD_REF_DOCS) ## Generate docs/api.md from the API types.
	$(CRD_REF_DOCS) --source-path=./api --config=hack/api-docs/config.yaml --renderer=markdown \
		--output-path=docs/api.md --log-level=ERROR
	go run ./hack/api-docs/conditions api/v1alpha1/conditions.go >> docs/api.md

.PHONY: verify-generated
verify-generated: ## Fail if `make manifests generate api-docs` would change the tree.
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	for p in $(GENERATED); do mkdir -p $$tmp/$$(dirname $$p); cp -r $$p $$tmp/$$p; done; \
	$(MAKE) --no-print-directory manifests generate api-docs >/dev/null; \
	for p in $(GENERATED); do \
		if ! diff -r $$tmp/$$p $$p; then \
			echo "$$p is out of date: run 'make manifests generate api-docs' and commit the result" >&2; exit 1; \
		fi; \
	done; echo "generated files are current"

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (configuration and reasons in .golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: lint-fix
lint-fix: $(GOLANGCI_LINT) ## Run golangci-lint and apply its fixes.
	$(GOLANGCI_LINT) run --fix ./...

##@ Test

.PHONY: test
test: verify-generated vet helm-lint test-monitoring test-unit test-reliability-short test-e2e ## Run everything: generated-file check, vet, the Helm chart's lint, the alerts' and dashboard's queries, unit and envtest tests, the short reliability suite, e2e tests.

.PHONY: test-monitoring
test-monitoring: $(HELM) $(KUSTOMIZE) ## Check the ServiceMonitor and PrometheusRule against the Prometheus Operator's API types, load the alerts as Prometheus does, parse every dashboard query, evaluate each alert over series it must and must not fire on (hack/promcheck); fail if the metrics they select differ from test/monitoring/metrics-used.txt.
	cd hack/promcheck && go run . -objects $(MONITORING_OBJECTS) -rules ../../$(MONITORING_RULES) -dashboard ../../$(MONITORING_DASHBOARD) \
		-names ../../$(MONITORING_METRICS) -labels ../../$(MONITORING_LABELS)
	cd hack/promcheck && HELM=$(HELM) go test ./ -count=1
	HELM=$(HELM) KUSTOMIZE=$(KUSTOMIZE) go test ./test/monitoring/ -count=1

.PHONY: test-unit
test-unit: controlplane $(KUSTOMIZE) ## Run the unit tests and the envtest tests (real kube-apiserver and etcd); the chart's tests (test/chart) are in helm-lint.
	KUSTOMIZE=$(KUSTOMIZE) go test $(UNIT_PACKAGES) -coverprofile cover.out
	@go test ./internal/rules/ -coverprofile $(LOCALBIN)/rules.cover >/dev/null
	@go tool cover -func $(LOCALBIN)/rules.cover | awk -v min=$(RULES_MIN_COVERAGE) '/^total:/ { sub("%", "", $$3); \
		if ($$3 + 0 < min) { printf "internal/rules coverage %s%% is below %s%%\n", $$3, min; exit 1 } \
		printf "internal/rules coverage %s%% (at least %s%%)\n", $$3, min }'

.PHONY: test-e2e
test-e2e: controlplane $(KUSTOMIZE) $(HELM) ## Run the end-to-end tests: the built manager and wechatsim against a local control plane, also installed with the Helm chart.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/wechatsim ./cmd/wechatsim
	WXLINK_LOCAL_DIR=$(CURDIR)/.local/e2e KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) HELM=$(HELM) \
		go test ./test/e2e/... -count=1 -v -timeout 20m

.PHONY: test-reliability-short
test-reliability-short: controlplane $(KUSTOMIZE) ## Run the reliability suite's short version: each scenario once, 2 Official Accounts (20 links; 30 for the fault matrix), 3 kills, the scenarios at once (the apiserver restart alone first); under 2 minutes.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/wechatsim ./cmd/wechatsim
	WXLINK_LOCAL_DIR=$(CURDIR)/.local/reliability-short KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) \
		go test ./test/reliability/ -count=1 -v -timeout 6m -parallel 8 -args -size=2 -kills=3 -concurrent

.PHONY: reliability
reliability: controlplane $(KUSTOMIZE) ## Prove wxlink under faults: fault matrix, SIGKILL chaos, leader failover, apiserver restart, bad inputs. SIZE Official Accounts × 10 links (default 20), KILLS (default 20), RELIABILITY_FLAGS.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/wechatsim ./cmd/wechatsim
	WXLINK_LOCAL_DIR=$(CURDIR)/.local/reliability KUBECTL=$(KUBECTL) KUSTOMIZE=$(KUSTOMIZE) \
		go test ./test/reliability/ -count=1 -v -timeout 20m -args -size=$(or $(SIZE),20) -kills=$(or $(KILLS),20) $(RELIABILITY_FLAGS)

.PHONY: fuzz
fuzz: ## Run each fuzz test for FUZZTIME (default 30s each).
	go test ./internal/rules/ -run '^$$' -fuzz FuzzAdmit -fuzztime $(or $(FUZZTIME),30s)
	go test ./internal/platform/sim/ -run '^$$' -fuzz FuzzHandlers -fuzztime $(or $(FUZZTIME),30s)
	for f in FuzzDecodeLinks FuzzDecodeAccountInfo FuzzDecodeTokens FuzzDecodeEnvelope FuzzDecryptMessage; do \
		go test ./internal/platform/wechat/ -run '^$$' -fuzz $$f -fuzztime $(or $(FUZZTIME),30s) || exit 1; done

.PHONY: bench
bench: controlplane ## Run the benchmarks and print their figures: admission, the simulator, and fleets of links converging on a real apiserver (API calls per link and per poll).
	go test ./internal/rules/ ./internal/platform/sim/ -run '^$$' -bench . -benchmem
	go test ./test/envtest/ -run '^$$' -bench . -benchtime 1x -timeout 20m

.PHONY: bench-scale
bench-scale: controlplane ## Measure SIZE Official Accounts × 10 links (default 1000: 10,000 links) against the floor, with the built manager; prints a table and writes bench/scale-*.json.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go run ./hack/benchscale -size $(or $(SIZE),1000) $(BENCH_FLAGS)

##@ Demo

.PHONY: demo
demo: ## Run the demo: a local control plane, wechatsim and the manager, config/samples applied and the story played; leaves them running.
	hack/demo.sh up

.PHONY: demo-down
demo-down: ## Stop everything `make demo` started.
	hack/demo.sh down

##@ Helm chart

.PHONY: helm-lint
helm-lint: $(HELM) $(KUSTOMIZE) ## Lint and render the chart (charts/wxlink) in both scopes, and test it: the schema refuses bad values, and the chart's CRDs and RBAC match config/.
	$(HELM) lint --strict charts/wxlink
	@for f in charts/wxlink/ci/*-values.yaml; do \
		$(HELM) lint --strict charts/wxlink -f $$f >/dev/null || exit 1; \
		out=$$($(HELM) template wxlink charts/wxlink -n wxlink-system -f $$f) || exit 1; \
		printf '%s: helm template renders %s lines, %s bytes\n' $$f "$$(wc -l <<<"$$out")" "$$(wc -c <<<"$$out")"; \
	done
	HELM=$(HELM) KUSTOMIZE=$(KUSTOMIZE) go test ./test/chart/ -count=1

##@ Local control plane

.PHONY: controlplane
controlplane: ## Build etcd and kube-apiserver from Go modules into bin/k8s (cached after the first run).
	@hack/build-controlplane.sh >/dev/null

.PHONY: controlplane-up
controlplane-up: ## Start a local control plane on loopback; prints the KUBECONFIG to use.
	hack/local-controlplane.sh up

.PHONY: controlplane-down
controlplane-down: ## Stop the local control plane.
	hack/local-controlplane.sh down

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager, wechatsim and the kubectl plugin (kubectl-wxlink) binaries into bin/.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/wechatsim ./cmd/wechatsim
	go build -ldflags="-s -w" -o $(LOCALBIN)/kubectl-wxlink ./cmd/kubectl-wxlink

.PHONY: run
run: manifests generate fmt vet ## Run the manager from your host against the cluster in KUBECONFIG.
	go run ./cmd/manager --metrics-bind-address=127.0.0.1:8080 --health-probe-bind-address=127.0.0.1:8081

.PHONY: docker-build
docker-build: ## Build the manager's container image (needs a Docker engine).
	docker build -t $(IMG) .

##@ Deployment

.PHONY: install
install: manifests $(KUSTOMIZE) ## Install the CRDs into the cluster in KUBECONFIG.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests $(KUSTOMIZE) ## Remove the CRDs (and with them every wxlink object) from the cluster in KUBECONFIG.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests $(KUSTOMIZE) ## Deploy the operator (image IMG) to the cluster in KUBECONFIG.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: $(KUSTOMIZE) ## Remove the operator from the cluster in KUBECONFIG.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found -f -

##@ Tools (built from hack/tools/go.mod, rebuilt when it changes)

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

$(CONTROLLER_GEN): hack/tools/go.mod | $(LOCALBIN)
	cd hack/tools && go build -o $(LOCALBIN)/ sigs.k8s.io/controller-tools/cmd/controller-gen

$(CRD_REF_DOCS): hack/tools/go.mod | $(LOCALBIN)
	cd hack/tools && go build -o $(LOCALBIN)/ github.com/elastic/crd-ref-docs

$(KUSTOMIZE): hack/tools/go.mod | $(LOCALBIN)
	cd hack/tools && go build -o $(LOCALBIN)/ sigs.k8s.io/kustomize/kustomize/v5

$(GOLANGCI_LINT): hack/tools/go.mod | $(LOCALBIN)
	cd hack/tools && go build -o $(LOCALBIN)/ github.com/golangci/golangci-lint/v2/cmd/golangci-lint

# Helm has its own module: its graph (client-go, OCI libraries) must not constrain the tools' above.
$(HELM): hack/tools/helm/go.mod | $(LOCALBIN)
	cd hack/tools/helm && go build -trimpath -o $(LOCALBIN)/ \
		-ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$(HELM_VERSION)" helm.sh/helm/v4/cmd/helm

.PHONY: helm
helm: $(HELM) ## Build Helm (hack/tools/helm/go.mod) into bin/helm.

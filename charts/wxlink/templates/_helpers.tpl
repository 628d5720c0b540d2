{{/* The chart's name, or nameOverride. */}}
{{- define "wxlink.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release's name, with the chart's unless it already has it. */}}
{{- define "wxlink.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The labels of every object. */}}
{{- define "wxlink.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "wxlink.podLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The labels of the manager's pods: no helm.sh/chart, so that a chart bump that changes nothing of the pod
does not restart it; the version is the image's, which restarts it anyway. */}}
{{- define "wxlink.podLabels" -}}
{{ include "wxlink.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: wxlink
{{- end }}

{{/* The labels that select the manager's pods. */}}
{{- define "wxlink.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wxlink.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The manager's ServiceAccount. */}}
{{- define "wxlink.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wxlink.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The prefix of the names of the release's cluster-scoped objects (ClusterRoles, ClusterRoleBindings): the
fullname and the release's namespace, so that releases of the same name in two namespaces (namespace-scoped
shards) do not collide. At most 47 characters, so that the longest name (<prefix>-manager-cluster) fits in
63: a longer one is cut and keeps a hash of the whole, so that two long prefixes still differ. */}}
{{- define "wxlink.clusterPrefix" -}}
{{- $p := printf "%s-%s" (include "wxlink.fullname" .) .Release.Namespace }}
{{- if le (len $p) 47 }}
{{- $p }}
{{- else }}
{{- printf "%s-%s" ($p | trunc 38 | trimSuffix "-") ($p | sha256sum | trunc 8) }}
{{- end }}
{{- end }}

{{/* The subject of every binding: the manager's ServiceAccount. */}}
{{- define "wxlink.subjects" -}}
- kind: ServiceAccount
  name: {{ include "wxlink.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/* The annotations of the CRDs: kept on uninstall with crds.keep (as cert-manager's chart does). */}}
{{- define "wxlink.crdAnnotations" -}}
{{- if .Values.crds.keep }}
helm.sh/resource-policy: keep
{{- end }}
{{- end }}

{{/* The manager's image: repository@digest, or repository:tag (the chart's appVersion by default). */}}
{{- define "wxlink.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* A number as the manager's flags parse it: a whole number as an integer (a values file gives Helm every
number as a float64, and Go would print 1000000 as 1e+06, which an integer flag refuses), else in plain
decimal. A string (--set platform.qps=0.5 passes one) is left as it is: the schema checked it. */}}
{{- define "wxlink.number" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}
{{- int64 . }}
{{- else if kindIs "float64" . }}
{{- regexReplaceAll "0+$" (printf "%.12f" .) "" }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* A flag with a value, only when the value is set (else the manager's default applies). */}}
{{- define "wxlink.flag" -}}
{{- $v := index . 1 }}
{{- if or (kindIs "float64" $v) (kindIs "int" $v) (kindIs "int64" $v) }}
- --{{ index . 0 }}={{ include "wxlink.number" $v }}
{{- else if $v }}
- --{{ index . 0 }}={{ if kindIs "slice" $v }}{{ join "," $v }}{{ else }}{{ $v }}{{ end }}
{{- end }}
{{- end }}

{{/* The manager's arguments: the values as flags (cmd/manager/options.go), then extraArgs. */}}
{{- define "wxlink.args" -}}
{{- if and .Values.metrics.enabled (eq (int64 .Values.metrics.port) (int64 .Values.health.port)) }}
{{- fail (printf "health.port and metrics.port are both %v: the probes and the metrics need a port each" .Values.health.port) }}
{{- end }}
{{- if and .Values.callback.enabled (has (int64 .Values.callback.port) (list (int64 .Values.health.port) (ternary (int64 .Values.metrics.port) -1 .Values.metrics.enabled))) }}
{{- fail (printf "callback.port %v is also the probes' or the metrics' port: the callback needs a port of its own" .Values.callback.port) }}
{{- end }}
- --health-probe-bind-address=:{{ .Values.health.port }}
- --metrics-bind-address={{ if .Values.metrics.enabled }}:{{ .Values.metrics.port }}{{ else }}0{{ end }}
{{- if not .Values.metrics.secure }}
- --metrics-secure=false
{{- end }}
{{- if .Values.metrics.certSecret }}
- --metrics-cert-dir=/etc/wxlink/metrics-tls
{{- end }}
{{- if .Values.leaderElection.enabled }}
- --leader-elect
- --leader-election-namespace={{ .Release.Namespace }}
{{- /* Each release its own Lease: two releases in one namespace would otherwise share the manager's default. */}}
- --leader-election-id={{ .Values.leaderElection.id | default (include "wxlink.fullname" .) }}
{{- end }}
{{- if eq .Values.installScope "namespace" }}
- --namespaces={{ join "," .Values.watchNamespaces }}
{{- end }}
{{- include "wxlink.flag" (list "platform-endpoint" .Values.platform.endpoint) }}
{{- include "wxlink.flag" (list "allowed-endpoints" .Values.platform.allowedEndpoints) }}
{{- include "wxlink.flag" (list "qps" .Values.platform.qps) }}
{{- include "wxlink.flag" (list "burst" .Values.platform.burst) }}
{{- include "wxlink.flag" (list "account-qps" .Values.platform.accountQPS) }}
{{- include "wxlink.flag" (list "account-burst" .Values.platform.accountBurst) }}
{{- include "wxlink.flag" (list "max-clock-skew" .Values.platform.maxClockSkew) }}
{{- include "wxlink.flag" (list "store-endpoint" .Values.store.endpoint) }}
{{- include "wxlink.flag" (list "allowed-store-endpoints" .Values.store.allowedEndpoints) }}
{{- include "wxlink.flag" (list "poll-interval" .Values.reconcile.pollInterval) }}
{{- include "wxlink.flag" (list "pending-poll-interval" .Values.reconcile.pendingPollInterval) }}
{{- include "wxlink.flag" (list "max-concurrent-reconciles" .Values.reconcile.maxConcurrentReconciles) }}
{{- include "wxlink.flag" (list "reconcile-timeout" .Values.reconcile.timeout) }}
{{- if .Values.callback.enabled }}
- --callback-bind-address=:{{ .Values.callback.port }}
{{- if .Values.callback.tlsSecret }}
- --callback-cert-file=/etc/wxlink/callback-tls/tls.crt
- --callback-key-file=/etc/wxlink/callback-tls/tls.key
{{- end }}
{{- end }}
- --zap-log-level={{ include "wxlink.number" .Values.logging.level }}
- --zap-encoder={{ .Values.logging.encoder }}
{{- range .Values.extraArgs }}
- {{ . }}
{{- end }}
{{- end }}

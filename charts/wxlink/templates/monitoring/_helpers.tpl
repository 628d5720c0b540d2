{{/*
Names and labels of the monitoring bundle. They use only Helm's built-in objects, so that the bundle does not
depend on the rest of the chart's helpers.
*/}}
{{- define "wxlink.monitoring.fullname" -}}
{{- if contains "wxlink" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-wxlink" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "wxlink.monitoring.labels" -}}
app.kubernetes.io/name: wxlink
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: monitoring
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.monitoring.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The chart's name, and the prefix of every object name: "longshore" for a release named longshore (so the objects
are named as in config/default), else <release>-longshore, cut to 63 characters.
*/}}
{{- define "longshore.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "longshore.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels Helm adds to every object; the chart-vs-kustomize test ignores exactly these three. */}}
{{- define "longshore.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Object names. */}}
{{- define "longshore.operator.name" -}}{{ include "longshore.fullname" . }}-operator{{- end -}}
{{- define "longshore.agent.name" -}}{{ include "longshore.fullname" . }}-agent{{- end -}}
{{- define "longshore.webhook.service" -}}{{ include "longshore.fullname" . }}-webhook{{- end -}}
{{- define "longshore.webhook.secret" -}}{{ include "longshore.fullname" . }}-webhook-tls{{- end -}}
{{- define "longshore.webhook.certManagerSecret" -}}{{ include "longshore.fullname" . }}-webhook-cert{{- end -}}

{{/*
An image reference from {repository, tag, digest}: repository@digest when a digest is given, else
repository:tag with the chart's appVersion as the default tag.
Call with (dict "image" .Values.operator.image "field" "operator.image" "root" .).
*/}}
{{- define "longshore.image" -}}
{{- $repository := required (printf "%s.repository is required" .field) .image.repository -}}
{{- if .image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" .image.digest) -}}
{{- fail (printf "%s.digest must be sha256:<64 hex digits>, got %q" .field .image.digest) -}}
{{- end -}}
{{- printf "%s@%s" $repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion .image.tag | toString) -}}
{{- end -}}
{{- end -}}

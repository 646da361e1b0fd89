{{/* Common labels: Kubernetes recommended labels plus the Paved tier. */}}
{{- define "service.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
paved.dev/tier: {{ .Values.tier | quote }}
{{- end -}}

{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The size of the chosen tier; unknown tiers get the standard size. */}}
{{- define "service.size" -}}
{{- index .Values.sizing .Values.tier | default (index .Values.sizing "standard") | toYaml -}}
{{- end -}}

{{- define "omniops.labels" -}}
app.kubernetes.io/name: omniops
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "omniops.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/* The environment of the API and the DB-holding workers. */}}
{{- define "omniops.env" -}}
- name: OMNIOPS_VAULT__ROLE_ID
  valueFrom: {secretKeyRef: {name: {{ .Values.vault.appRoleSecret }}, key: role_id}}
- name: OMNIOPS_VAULT__SECRET_ID_FILE
  value: /run/secrets/vault/secret_id
- name: OMNIOPS_DATABASE__URL
  valueFrom: {secretKeyRef: {name: {{ .Values.database.urlSecret }}, key: url}}
{{- end -}}

{{/* Names and labels. */}}
{{- define "fedarch.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "fedarch.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "worker" "pool" "gpu"). */}}
{{- define "fedarch.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .pool }}
fedarch.io/pool: {{ .pool }}
{{- end }}
{{- end -}}

{{- define "fedarch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "fedarch.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "fedarch.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name .root.Values.image.tag -}}
{{- end -}}

{{/* The topic layout and per-service access, generated from the services' own definitions. */}}
{{- define "fedarch.topology" -}}
{{- .Files.Get "files/topology.yaml" -}}
{{- end -}}

{{/* Whether the KEDA path is taken. */}}
{{- define "fedarch.useKeda" -}}
{{- if or (eq .Values.autoscaling.mode "keda") (and (eq .Values.autoscaling.mode "auto") (.Capabilities.APIVersions.Has "keda.sh/v1alpha1")) -}}
true
{{- end -}}
{{- end -}}

{{- define "fedarch.saslSecret" -}}
{{- $explicit := index .root.Values.kafka.sasl.secrets .service -}}
{{- if $explicit -}}
{{- $explicit -}}
{{- else -}}
{{- printf "%s-%s" (include "fedarch.fullname" .root) .service -}}
{{- end -}}
{{- end -}}

{{/*
Environment every service reads (names map onto application.properties keys: KAFKA_SASL_MECHANISM is
kafka.sasl.mechanism, FEDARCH_TOPICS_MAX_MESSAGE_BYTES is fedarch.topics.max-message-bytes).
(dict "root" $ "service" "worker")
*/}}
{{- define "fedarch.commonEnv" -}}
{{- $v := .root.Values -}}
- name: QUARKUS_HTTP_PORT
  value: {{ include "fedarch.port" (dict "root" .root "service" .service "port" "http") | quote }}
- name: QUARKUS_MANAGEMENT_PORT
  value: {{ include "fedarch.port" (dict "root" .root "service" .service "port" "management") | quote }}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ $v.kafka.bootstrapServers | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ $v.kafka.securityProtocol | quote }}
{{- if has $v.kafka.securityProtocol (list "SSL" "SASL_SSL") }}
- name: KAFKA_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: KAFKA_SSL_TRUSTSTORE_LOCATION
  value: /etc/fedarch/kafka-ca/{{ $v.kafka.tls.caKey }}
{{- end }}
{{- if has $v.kafka.securityProtocol (list "SASL_PLAINTEXT" "SASL_SSL") }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ include "fedarch.saslSecret" . }}
      key: {{ $v.kafka.sasl.jaasConfigKey | quote }}
{{- end }}
- name: FEDARCH_TOPICS_PROVISION
  value: {{ (not $v.strimzi.topics.enabled) | quote }}
- name: FEDARCH_TOPICS_CLIENT_TASKS_PARTITIONS
  value: {{ int64 $v.kafka.topics.taskPartitions | quote }}
- name: FEDARCH_TOPICS_MAX_MESSAGE_BYTES
  value: {{ int64 $v.kafka.topics.maxMessageBytes | quote }}
- name: DJL_OFFLINE
  value: "true"
- name: OPT_OUT_TRACKING
  value: "true"
- name: OMP_WAIT_POLICY
  value: PASSIVE
- name: DJL_CACHE_DIR
  value: /tmp/djl
- name: ENGINE_CACHE_DIR
  value: /tmp/djl
{{- with $v.engine.oneDnnMaxCpuIsa }}
- name: ONEDNN_MAX_CPU_ISA
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "fedarch.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") }}
- name: kafka-ca
  mountPath: /etc/fedarch/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "fedarch.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
{{- end }}
{{- end -}}

{{/*
A service's port: (dict "root" $ "service" "worker" "port" "http"|"management"). 8080 and 9000 in the pod's own
network; with hostNetwork.enabled the pods share the node's, so each service takes its own pair from hostNetwork.ports.
*/}}
{{- define "fedarch.port" -}}
{{- if .root.Values.hostNetwork.enabled -}}
{{- index (index .root.Values.hostNetwork.ports .service) .port -}}
{{- else if eq .port "http" -}}
8080
{{- else -}}
9000
{{- end -}}
{{- end -}}

{{/*
Probes on Quarkus SmallRye Health's endpoints, served on the management port: (dict "root" $ "service" "worker").
The port is a number, not the port's name, so the probes also hold where a runtime drops named container ports.
*/}}
{{- define "fedarch.probes" -}}
{{- $port := include "fedarch.port" (dict "root" .root "service" .service "port" "management") -}}
startupProbe:
  httpGet: {path: /q/health/started, port: {{ $port }}}
  periodSeconds: 5
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /q/health/live, port: {{ $port }}}
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /q/health/ready, port: {{ $port }}}
  periodSeconds: 10
  failureThreshold: 3
{{- end -}}

{{/* The container ports: HTTP (the coordinator's REST API) and management (health, metrics). (dict "root" $ "service" "worker") */}}
{{- define "fedarch.containerPorts" -}}
- {name: http, containerPort: {{ include "fedarch.port" (dict "root" .root "service" .service "port" "http") }}, protocol: TCP}
- {name: management, containerPort: {{ include "fedarch.port" (dict "root" .root "service" .service "port" "management") }}, protocol: TCP}
{{- end -}}

{{/*
The coordinator's REST API token, from a Secret. The release's own Secret is optional (without it the API refuses
every request); one the operator named must exist, so a typo stops the pod instead of closing the API unnoticed.
*/}}
{{- define "fedarch.apiTokenEnv" -}}
- name: FEDARCH_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.api.existingSecret | default (printf "%s-api" (include "fedarch.fullname" .)) }}
      key: {{ .Values.api.tokenKey | quote }}
      {{- if not .Values.api.existingSecret }}
      optional: true
      {{- end }}
{{- end -}}

{{/*
The key workers sign their updates with and the coordinator checks (review H4), from a Secret:
kubectl create secret generic fedarch-update-key --from-literal=key="$(openssl rand -hex 32)".
Optional: without it updates are not authenticated (the coordinator warns at start-up). Per-silo keys
(fedarch.coordinator.client-update-keys) go through coordinator.extraEnv.
*/}}
{{- define "fedarch.updateKeyEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.updateKey.existingSecret | default (printf "%s-update-key" (include "fedarch.fullname" .root)) }}
      key: {{ .root.Values.updateKey.key | quote }}
      optional: true
{{- end -}}

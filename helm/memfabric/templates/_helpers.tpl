{{/* Chart name. */}}
{{- define "memfabric.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource name: <release>-memfabric unless the release name holds it. */}}
{{- define "memfabric.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "memfabric.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "memfabric.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "memfabric.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: memfabric
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "gateway"). */}}
{{- define "memfabric.selectorLabels" -}}
app.kubernetes.io/name: {{ include "memfabric.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "memfabric.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "memfabric.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "memfabric.secretName" -}}
{{- default (printf "%s-secrets" (include "memfabric.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "memfabric.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
Checks that span several values (the schema types each value alone). Each failure is one
sentence naming the value to fix.
*/}}
{{- define "memfabric.validate" -}}
{{- $v := .Values -}}
{{- if not $v.kafka.brokers -}}
{{- fail "kafka.brokers is required: the bootstrap brokers, host:port[,host:port]" -}}
{{- end -}}
{{- if gt (int $v.projector.replicas) (int $v.kafka.partitions) -}}
{{- fail (printf "projector.replicas (%d) exceeds kafka.partitions (%d): a projector replica beyond the partition count would idle; lower projector.replicas or raise kafka.partitions" (int $v.projector.replicas) (int $v.kafka.partitions)) -}}
{{- end -}}
{{- if and $v.projector.autoscaling.enabled (gt (int $v.projector.autoscaling.maxReplicas) (int $v.kafka.partitions)) -}}
{{- fail (printf "projector.autoscaling.maxReplicas (%d) exceeds kafka.partitions (%d): a projector replica beyond the partition count would idle" (int $v.projector.autoscaling.maxReplicas) (int $v.kafka.partitions)) -}}
{{- end -}}
{{- if and $v.projector.autoscaling.enabled (gt (int $v.projector.autoscaling.minReplicas) (int $v.projector.autoscaling.maxReplicas)) -}}
{{- fail "projector.autoscaling.minReplicas exceeds projector.autoscaling.maxReplicas" -}}
{{- end -}}
{{- if and $v.gateway.autoscaling.enabled (gt (int $v.gateway.autoscaling.minReplicas) (int $v.gateway.autoscaling.maxReplicas)) -}}
{{- fail "gateway.autoscaling.minReplicas exceeds gateway.autoscaling.maxReplicas" -}}
{{- end -}}
{{- if not (or $v.auth.adminToken $v.auth.apiKeys $v.auth.oidc.issuer) -}}
{{- fail "no credential configured: set auth.adminToken, auth.apiKeys or auth.oidc.issuer (the services listen on the pod address, which they refuse to do without authentication)" -}}
{{- end -}}
{{- if and $v.auth.oidc.issuer (not $v.auth.oidc.audience) -}}
{{- fail "auth.oidc.audience is required with auth.oidc.issuer" -}}
{{- end -}}
{{- if and $v.kafka.sasl.mechanism (not $v.kafka.sasl.username) -}}
{{- fail "kafka.sasl.username is required with kafka.sasl.mechanism" -}}
{{- end -}}
{{- if and (eq $v.embedder.kind "http") (not $v.embedder.url) -}}
{{- fail "embedder.url is required with embedder.kind http" -}}
{{- end -}}
{{- if and $v.mcp.enabled (not $v.mcp.memfabricUrl) -}}
{{- fail "mcp.memfabricUrl is required with mcp.enabled: one base URL routing /v1/events to ingest, /v1/recall to the gateway and the audit routes to audit" -}}
{{- end -}}
{{- if not $v.secrets.existingSecret -}}
{{- range $item := (include "memfabric.secretItems" (dict "root" . "component" "all") | fromYamlArray) -}}
{{- if not (index $v.secrets $item.value) -}}
{{- fail (printf "secrets.%s is required (%s) unless secrets.existingSecret names a Secret holding the key %s" $item.value $item.hint $item.key) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The Secret keys one component reads, as a YAML list of {key, value, env, hint}: key in the
Secret, the secrets.* value that fills it, the variable that names the mounted file.
(dict "root" $ "component" "gateway"); component "all" lists every key the release needs.
*/}}
{{- define "memfabric.secretItems" -}}
{{- $v := .root.Values -}}
{{- $c := .component -}}
{{- $all := eq $c "all" -}}
{{- $readsStores := or $all (has $c (list "gateway" "audit" "projector")) -}}
{{- $vectors := or $all (has $c (list "gateway" "projector")) -}}
{{- if ne $c "mcp" }}
- { key: master-key, value: masterKey, env: MEMFABRIC_MASTER_KEY_FILE, hint: "base64 of 32 random bytes" }
{{- if $v.auth.adminToken }}
- { key: admin-token, value: adminToken, env: MEMFABRIC_ADMIN_TOKEN_FILE, hint: "16+ characters, with auth.adminToken" }
{{- end }}
{{- if $v.auth.apiKeys }}
- { key: api-keys.json, value: apiKeys, env: MEMFABRIC_API_KEYS_FILE, hint: "the JSON key file, with auth.apiKeys" }
{{- end }}
{{- if $v.kafka.sasl.mechanism }}
- { key: kafka-sasl-password, value: kafkaSaslPassword, env: MEMFABRIC_KAFKA_SASL_PASSWORD_FILE, hint: "with kafka.sasl.mechanism" }
{{- end }}
{{- end }}
{{- if and (or $all (eq $c "audit")) }}
- { key: audit-signing-key, value: auditSigningKey, env: MEMFABRIC_AUDIT_SIGNING_KEY_FILE, hint: "Ed25519 PKCS #8 PEM" }
{{- end }}
{{- if and $vectors $v.qdrant.url $v.qdrant.apiKey }}
- { key: qdrant-api-key, value: qdrantApiKey, env: MEMFABRIC_QDRANT_API_KEY_FILE, hint: "with qdrant.apiKey" }
{{- end }}
{{- if and $readsStores $v.neo4j.url }}
- { key: neo4j-password, value: neo4jPassword, env: MEMFABRIC_NEO4J_PASSWORD_FILE, hint: "with neo4j.url" }
{{- end }}
{{- if and $readsStores $v.clickhouse.url $v.clickhouse.password }}
- { key: clickhouse-password, value: clickhousePassword, env: MEMFABRIC_CLICKHOUSE_PASSWORD_FILE, hint: "with clickhouse.password" }
{{- end }}
{{- end -}}

{{/* Directory the Secret's keys are mounted in. */}}
{{- define "memfabric.secretDir" -}}/var/run/secrets/memfabric{{- end -}}

{{/* Environment of one component: (dict "root" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "memfabric.env" -}}
{{- $v := .root.Values -}}
{{- $c := .component -}}
{{- $readsStores := has $c (list "gateway" "audit" "projector") -}}
{{- $vectors := has $c (list "gateway" "projector") -}}
{{- $prefix := dict "ingest" "INGEST" "gateway" "GATEWAY" "audit" "AUDIT" "projector" "PROJECTOR" -}}
{{- if ne $c "mcp" }}
- { name: MEMFABRIC_{{ index $prefix $c }}_HOST, value: "0.0.0.0" }
- { name: MEMFABRIC_{{ index $prefix $c }}_PORT, value: {{ .values.port | quote }} }
- { name: MEMFABRIC_DATA_DIR, value: /data }
- { name: MEMFABRIC_LOG_LEVEL, value: {{ $v.logLevel | quote }} }
- { name: MEMFABRIC_SHUTDOWN_TIMEOUT_MS, value: {{ $v.shutdownTimeoutMs | quote }} }
- { name: MEMFABRIC_KAFKA_BROKERS, value: {{ $v.kafka.brokers | quote }} }
- { name: MEMFABRIC_KAFKA_TOPIC, value: {{ $v.kafka.topic | quote }} }
- { name: MEMFABRIC_KAFKA_KEYS_TOPIC, value: {{ $v.kafka.keysTopic | quote }} }
- { name: MEMFABRIC_KAFKA_CHECKPOINTS_TOPIC, value: {{ $v.kafka.checkpointsTopic | quote }} }
- { name: MEMFABRIC_KAFKA_PARTITIONS, value: {{ $v.kafka.partitions | quote }} }
- { name: MEMFABRIC_KAFKA_CREATE_TOPICS, value: {{ $v.kafka.createTopics | quote }} }
- { name: MEMFABRIC_KAFKA_CHECK_TOPIC_CONFIG, value: {{ $v.kafka.checkTopicConfig | quote }} }
- { name: MEMFABRIC_KAFKA_SSL, value: {{ $v.kafka.ssl | quote }} }
{{- if $v.kafka.sasl.mechanism }}
- { name: MEMFABRIC_KAFKA_SASL_MECHANISM, value: {{ $v.kafka.sasl.mechanism | quote }} }
- { name: MEMFABRIC_KAFKA_SASL_USERNAME, value: {{ $v.kafka.sasl.username | quote }} }
{{- end }}
{{- with $v.auth.oidc.issuer }}
- { name: MEMFABRIC_OIDC_ISSUER, value: {{ . | quote }} }
- { name: MEMFABRIC_OIDC_AUDIENCE, value: {{ $v.auth.oidc.audience | quote }} }
{{- with $v.auth.oidc.jwksUrl }}
- { name: MEMFABRIC_OIDC_JWKS_URL, value: {{ . | quote }} }
{{- end }}
{{- end }}
{{- with $v.auth.allowedHosts }}
- { name: MEMFABRIC_ALLOWED_HOSTS, value: {{ . | quote }} }
{{- end }}
{{- end }}
{{- if $readsStores }}
- { name: MEMFABRIC_READY_MAX_LAG, value: {{ $v.readyMaxLag | quote }} }
- { name: MEMFABRIC_EMBEDDER, value: {{ $v.embedder.kind | quote }} }
{{- with $v.embedder.url }}
- { name: MEMFABRIC_EMBEDDER_URL, value: {{ . | quote }} }
{{- end }}
{{- with $v.embedder.model }}
- { name: MEMFABRIC_EMBEDDER_MODEL, value: {{ . | quote }} }
{{- end }}
{{- if gt (int $v.embedder.dimensions) 0 }}
- { name: MEMFABRIC_EMBEDDER_DIMENSIONS, value: {{ $v.embedder.dimensions | quote }} }
{{- end }}
{{- if and $vectors $v.qdrant.url }}
- { name: MEMFABRIC_QDRANT_URL, value: {{ $v.qdrant.url | quote }} }
- { name: MEMFABRIC_QDRANT_COLLECTION_PREFIX, value: {{ $v.qdrant.collectionPrefix | quote }} }
{{- end }}
{{- if $v.neo4j.url }}
- { name: MEMFABRIC_NEO4J_URL, value: {{ $v.neo4j.url | quote }} }
- { name: MEMFABRIC_NEO4J_USER, value: {{ $v.neo4j.user | quote }} }
{{- with $v.neo4j.database }}
- { name: MEMFABRIC_NEO4J_DATABASE, value: {{ . | quote }} }
{{- end }}
{{- end }}
{{- if $v.clickhouse.url }}
- { name: MEMFABRIC_CLICKHOUSE_URL, value: {{ $v.clickhouse.url | quote }} }
- { name: MEMFABRIC_CLICKHOUSE_USER, value: {{ $v.clickhouse.user | quote }} }
- { name: MEMFABRIC_CLICKHOUSE_DATABASE, value: {{ $v.clickhouse.database | quote }} }
{{- end }}
{{- end }}
{{- if eq $c "audit" }}
- { name: MEMFABRIC_CHECKPOINT_EVERY, value: {{ .values.checkpointEvery | quote }} }
{{- end }}
{{- if eq $c "projector" }}
- { name: MEMFABRIC_BATCH_SIZE, value: {{ .values.batchSize | quote }} }
{{- with .values.projections }}
- { name: MEMFABRIC_PROJECTIONS, value: {{ . | quote }} }
{{- end }}
{{- end }}
{{- if eq $c "mcp" }}
- { name: MEMFABRIC_URL, value: {{ .values.memfabricUrl | quote }} }
- { name: MEMFABRIC_MCP_HOST, value: "0.0.0.0" }
- { name: MEMFABRIC_MCP_PORT, value: {{ .values.port | quote }} }
{{- end }}
{{- range (include "memfabric.secretItems" (dict "root" .root "component" $c) | fromYamlArray) }}
- { name: {{ .env }}, value: {{ printf "%s/%s" (include "memfabric.secretDir" $) .key | quote }} }
{{- end }}
{{- with $v.otel.endpoint }}
- { name: OTEL_EXPORTER_OTLP_ENDPOINT, value: {{ . | quote }} }
- { name: OTEL_SERVICE_NAME, value: {{ printf "memfabric-%s" $c | quote }} }
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level security context matching the image (uid 1000, read-only root). */}}
{{- define "memfabric.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "memfabric.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

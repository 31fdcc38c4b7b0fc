{{/*
Scope resolution. Every template here takes one of:
  - the ptunnel chart's own root context (`.`),
  - the root context of a parent chart that has ptunnel as a dependency (uses .Subcharts.ptunnel),
  - (dict "ptunnelScope" .Subcharts.ALIAS) when the dependency is aliased.
"ptunnel.scopeOf" cannot return an object, so callers resolve it inline with this pattern:
  {{- $s := . }}{{ if hasKey . "ptunnelScope" }}{{ $s = .ptunnelScope }}{{ else if and (hasKey . "Subcharts") (hasKey (.Subcharts | default dict) "ptunnel") (ne .Chart.Name "ptunnel") }}{{ $s = .Subcharts.ptunnel }}{{ end }}
*/}}

{{- define "ptunnel.name" -}}
{{- default "ptunnel" .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ptunnel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "ptunnel.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ptunnel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ptunnel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ptunnel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ptunnel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ptunnel
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "ptunnel.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end }}

{{- define "ptunnel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ptunnel.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Is there a proxy password to mount? */}}
{{- define "ptunnel.hasPassword" -}}
{{- if or .Values.proxyCredentials.existingSecret .Values.proxyCredentials.password }}true{{ end }}
{{- end }}

{{/* Kerberos files to mount: krb5.conf (inline or an existing ConfigMap), the client keytab. */}}
{{- define "ptunnel.hasKrb5Conf" -}}
{{- if or .Values.kerberos.krb5Conf.content .Values.kerberos.krb5Conf.existingConfigMap }}true{{ end }}
{{- end }}

{{- define "ptunnel.hasKeytab" -}}
{{- if .Values.kerberos.keytab.existingSecret }}true{{ end }}
{{- end }}

{{- define "ptunnel.secretName" -}}
{{- .Values.proxyCredentials.existingSecret | default (printf "%s-proxy" (include "ptunnel.fullname" .)) }}
{{- end }}

{{/*
The effective tunnels and hostAliases names as a YAML document
{tunnels: [{name, localPort, host, port, source}], hostnames: [...]}: the presets' (from
ptunnel.presetTable, generated from presets/ with the CLI's own rules) then config.tunnels'.
Fails on an unknown preset or a local port used twice.
*/}}
{{- define "ptunnel.tunnels" -}}
{{- $table := include "ptunnel.presetTable" . | fromYaml -}}
{{- $mode := ternary "same" "preset" (eq (toString .Values.config.localPorts) "same") -}}
{{- $out := list -}}
{{- $hostnames := list -}}
{{- range $preset := .Values.config.presets -}}
{{- if not (hasKey $table $preset) -}}
{{- fail (printf "config.presets: the chart does not know the ports of preset %q (it knows: %s); list its mappings under config.tunnels instead" $preset (keys $table | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $p := index $table $preset -}}
{{- $hostnames = concat $hostnames $p.hostnames -}}
{{- range $t := $p.tunnels -}}
{{- $local := int (index $t.local $mode) -}}
{{- $out = append $out (dict "name" (printf "tcp-%d" $local) "localPort" $local "host" $t.host "port" (int $t.port) "source" (printf "preset %s" $preset)) -}}
{{- end -}}
{{- end -}}
{{- range $t := .Values.config.tunnels -}}
{{- $local := int $t.localPort -}}
{{- $out = append $out (dict "name" ($t.name | default (printf "tcp-%d" $local)) "localPort" $local "host" $t.host "port" (int $t.port) "source" "config.tunnels") -}}
{{- if not (or (regexMatch "^[0-9.]+$" $t.host) (contains ":" $t.host)) -}}
{{- $hostnames = append $hostnames $t.host -}}
{{- end -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $t := $out -}}
{{- $k := toString $t.localPort -}}
{{- if hasKey $seen $k -}}
{{- fail (printf "local port %s is used twice: by %s (%s:%d) and by %s (%s:%d); with several presets leave config.localPorts empty, or remap one under config.tunnels" $k (index $seen $k).source (index $seen $k).host (int (index $seen $k).port) $t.source $t.host (int $t.port)) -}}
{{- end -}}
{{- $_ := set $seen $k $t -}}
{{- end -}}
{{- if eq (len $out) 0 -}}
{{- fail "no tunnels: set config.presets (e.g. [gmail]) or config.tunnels" -}}
{{- end -}}
{{- toYaml (dict "tunnels" $out "hostnames" ($hostnames | uniq)) -}}
{{- end }}

{{/* ptunnel's config file (keys of src/config/schema.ts). listen and admin come from env vars. */}}
{{- define "ptunnel.configFile" -}}
{{- $c := .Values.config -}}
mode: {{ $c.mode }}
{{- with $c.presets }}
presets: {{ toJson . }}
{{- end }}
{{- if eq (toString $c.localPorts) "same" }}
localPorts: same
{{- end }}
{{- with $c.tunnels }}
tunnels:
{{- range . }}
  - {{ printf "%d:%s:%d" (int .localPort) .host (int .port) | quote }}
{{- end }}
{{- end }}
{{- if or $c.proxy.url $c.proxy.user $c.proxy.ca $c.proxy.auth $c.proxy.spn (include "ptunnel.hasPassword" .) }}
proxy:
  {{- with $c.proxy.url }}
  url: {{ . | quote }}
  {{- end }}
  {{- with $c.proxy.user }}
  user: {{ . | quote }}
  {{- end }}
  {{- if include "ptunnel.hasPassword" . }}
  passwordFile: /etc/ptunnel/proxy/password
  {{- end }}
  {{- if $c.proxy.ca }}
  ca: /etc/ptunnel/config/ca.pem
  {{- end }}
  {{- with $c.proxy.auth }}
  auth: {{ . }}
  {{- end }}
  {{- with $c.proxy.spn }}
  spn: {{ . | quote }}
  {{- end }}
{{- end }}
{{- with $c.noProxy }}
noProxy: {{ . | quote }}
{{- end }}
{{- with $c.dns.servers }}
dns:
  servers: {{ toJson . }}
{{- end }}
connectTimeout: {{ $c.connectTimeout | quote }}
shutdownTimeout: {{ $c.shutdownTimeout | quote }}
{{- if gt (int $c.maxConnections) 0 }}
maxConnections: {{ int $c.maxConnections }}
{{- end }}
log:
  level: {{ $c.log.level }}
  format: {{ $c.log.format }}
{{- end }}

{{/*
The ptunnel container (a list item). Expects (dict "s" SCOPE "sidecar" BOOL "native" BOOL).
*/}}
{{- define "ptunnel.containerSpec" -}}
{{- $s := .s -}}
{{- $v := $s.Values -}}
{{- $tunnels := (include "ptunnel.tunnels" $s | fromYaml).tunnels -}}
{{- $listen := $v.config.listen | default (ternary "127.0.0.1" "0.0.0.0" .sidecar) -}}
- name: ptunnel
  image: {{ include "ptunnel.image" $s | quote }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  {{- if .native }}
  restartPolicy: Always
  {{- end }}
  args: ["--config", "/etc/ptunnel/config/config.yaml"]
  env:
    # flags > env > file: these override the image's defaults
    - name: PTUNNEL_LISTEN
      value: {{ $listen | quote }}
    - name: PTUNNEL_ADMIN
      value: {{ printf "0.0.0.0:%d" (int $v.admin.port) | quote }}
    # The admin Service's names: other Host names get 421 (DNS rebinding); probes use the pod IP.
    - name: PTUNNEL_ADMIN_HOST
      value: {{ printf "%[1]s-admin,%[1]s-admin.%[2]s,%[1]s-admin.%[2]s.svc,%[1]s-admin.%[2]s.svc.cluster.local" (include "ptunnel.fullname" $s) $s.Release.Namespace | quote }}
    {{- if include "ptunnel.hasKrb5Conf" $s }}
    - name: KRB5_CONFIG
      value: /etc/ptunnel/krb5/krb5.conf
    {{- end }}
    {{- if include "ptunnel.hasKeytab" $s }}
    - name: KRB5_CLIENT_KTNAME
      value: /etc/ptunnel/keytab/client.keytab
    {{- end }}
    {{- with $v.env }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: ptunnel-admin
      containerPort: {{ int $v.admin.port }}
      protocol: TCP
    {{- range $tunnels }}
    - name: {{ .name }}
      containerPort: {{ int .localPort }}
      protocol: TCP
    {{- end }}
  startupProbe:
    httpGet: {path: /startup, port: {{ int $v.admin.port }}}
    periodSeconds: {{ $v.probes.startup.periodSeconds }}
    failureThreshold: {{ $v.probes.startup.failureThreshold }}
  livenessProbe:
    httpGet: {path: /livez, port: {{ int $v.admin.port }}}
    periodSeconds: {{ $v.probes.liveness.periodSeconds }}
    timeoutSeconds: {{ $v.probes.liveness.timeoutSeconds }}
    failureThreshold: {{ $v.probes.liveness.failureThreshold }}
  readinessProbe:
    httpGet: {path: /readyz, port: {{ int $v.admin.port }}}
    periodSeconds: {{ $v.probes.readiness.periodSeconds }}
    timeoutSeconds: {{ $v.probes.readiness.timeoutSeconds }}
    failureThreshold: {{ $v.probes.readiness.failureThreshold }}
  securityContext:
    {{- toYaml $v.securityContext | nindent 4 }}
  {{- with $v.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: ptunnel-config
      mountPath: /etc/ptunnel/config
      readOnly: true
    {{- if include "ptunnel.hasPassword" $s }}
    - name: ptunnel-proxy-credentials
      mountPath: /etc/ptunnel/proxy
      readOnly: true
    {{- end }}
    {{- if include "ptunnel.hasKrb5Conf" $s }}
    - name: ptunnel-krb5
      mountPath: /etc/ptunnel/krb5
      readOnly: true
    {{- end }}
    {{- if include "ptunnel.hasKeytab" $s }}
    - name: ptunnel-keytab
      mountPath: /etc/ptunnel/keytab
      readOnly: true
    {{- end }}
    # also where Kerberos keeps the tickets it gets with the keytab (the default ticket cache)
    - name: ptunnel-tmp
      mountPath: /tmp
{{- end }}

{{/*
The volumes the ptunnel container mounts (list items). Expects (dict "s" SCOPE "secretMode" MODE):
0440 with the pod's fsGroup 65532 (standalone); 0444 in someone else's pod, whose fsGroup is not
ours (only the ptunnel container mounts the volume).
*/}}
{{- define "ptunnel.volumeSpec" -}}
{{- $mode := .secretMode -}}
{{- with .s -}}
- name: ptunnel-config
  configMap:
    name: {{ include "ptunnel.fullname" . }}
{{- if include "ptunnel.hasPassword" . }}
- name: ptunnel-proxy-credentials
  secret:
    secretName: {{ include "ptunnel.secretName" . }}
    defaultMode: {{ $mode }}
    items:
      - key: {{ if .Values.proxyCredentials.existingSecret }}{{ .Values.proxyCredentials.existingSecretKey }}{{ else }}password{{ end }}
        path: password
{{- end }}
{{- with .Values.kerberos.krb5Conf }}
{{- if or .content .existingConfigMap }}
- name: ptunnel-krb5
  configMap:
    name: {{ .existingConfigMap | default (include "ptunnel.fullname" $.s) }}
    items:
      - key: {{ ternary .existingConfigMapKey "krb5.conf" (not (empty .existingConfigMap)) }}
        path: krb5.conf
{{- end }}
{{- end }}
{{- with .Values.kerberos.keytab }}
{{- if .existingSecret }}
- name: ptunnel-keytab
  secret:
    secretName: {{ .existingSecret }}
    defaultMode: {{ $mode }}
    items:
      - key: {{ .existingSecretKey }}
        path: client.keytab
{{- end }}
{{- end }}
- name: ptunnel-tmp
  emptyDir:
    sizeLimit: 16Mi
{{- end }}
{{- end }}

{{/*
hostAliases items pointing the tunnels' host names to IP; nothing when no tunnel needs one (SSH
presets). Expects (dict "s" SCOPE "ip" IP).
*/}}
{{- define "ptunnel.hostAliasesSpec" -}}
{{- with (include "ptunnel.tunnels" .s | fromYaml).hostnames -}}
- ip: {{ $.ip | quote }}
  hostnames:
    {{- range . }}
    - {{ . }}
    {{- end }}
{{- end }}
{{- end }}

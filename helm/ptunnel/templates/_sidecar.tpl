{{/*
Sidecar mode: named templates for charts that have ptunnel as a dependency.

  # Chart.yaml of your chart
  dependencies:
    - name: ptunnel
      version: 0.1.0
      repository: file://../ptunnel        # or wherever the chart lives

  # values.yaml of your chart
  ptunnel:
    standalone: {enabled: false}           # no Deployment/Service; ConfigMap and Secret stay
    config: {presets: [gmail], localPorts: same, proxy: {url: http://proxy.corp:3128}}

  # your Deployment's pod spec
  spec:
    hostAliases:
      {{- include "ptunnel.hostAliases" . | nindent 6 }}
    securityContext:
      sysctls:
        {{- include "ptunnel.sidecar.sysctls" . | nindent 8 }}
    initContainers:
      {{- include "ptunnel.sidecar.initContainers" . | nindent 6 }}
    containers:
      - name: app
        ...
      {{- include "ptunnel.sidecar.containers" . | nindent 6 }}
    volumes:
      {{- include "ptunnel.sidecar.volumes" . | nindent 6 }}

Pass `.` (your chart's root context): the templates find ptunnel's values in .Subcharts.ptunnel.
With an aliased dependency pass (dict "ptunnelScope" .Subcharts.ALIAS) instead.
With ptunnel.sidecar.native true (the default; Kubernetes >= 1.29) "initContainers" renders
ptunnel with restartPolicy: Always and "containers" renders nothing; with false, the reverse.
*/}}

{{- define "ptunnel.sidecar.initContainers" -}}
{{- $s := . }}{{ if hasKey . "ptunnelScope" }}{{ $s = .ptunnelScope }}{{ else if and (hasKey . "Subcharts") (hasKey (.Subcharts | default dict) "ptunnel") (ne .Chart.Name "ptunnel") }}{{ $s = .Subcharts.ptunnel }}{{ end }}
{{- if $s.Values.sidecar.native }}
{{- include "ptunnel.containerSpec" (dict "s" $s "sidecar" true "native" true) }}
{{- end }}
{{- end }}

{{- define "ptunnel.sidecar.containers" -}}
{{- $s := . }}{{ if hasKey . "ptunnelScope" }}{{ $s = .ptunnelScope }}{{ else if and (hasKey . "Subcharts") (hasKey (.Subcharts | default dict) "ptunnel") (ne .Chart.Name "ptunnel") }}{{ $s = .Subcharts.ptunnel }}{{ end }}
{{- if not $s.Values.sidecar.native }}
{{- include "ptunnel.containerSpec" (dict "s" $s "sidecar" true "native" false) }}
{{- end }}
{{- end }}

{{- define "ptunnel.sidecar.volumes" -}}
{{- $s := . }}{{ if hasKey . "ptunnelScope" }}{{ $s = .ptunnelScope }}{{ else if and (hasKey . "Subcharts") (hasKey (.Subcharts | default dict) "ptunnel") (ne .Chart.Name "ptunnel") }}{{ $s = .Subcharts.ptunnel }}{{ end }}
{{- include "ptunnel.volumeSpec" (dict "s" $s "secretMode" 0444) }}
{{- end }}

{{/* hostAliases pointing the presets' host names (imap.gmail.com, ...) to ptunnel in the pod. */}}
{{- define "ptunnel.hostAliases" -}}
{{- $s := . }}{{ if hasKey . "ptunnelScope" }}{{ $s = .ptunnelScope }}{{ else if and (hasKey . "Subcharts") (hasKey (.Subcharts | default dict) "ptunnel") (ne .Chart.Name "ptunnel") }}{{ $s = .Subcharts.ptunnel }}{{ end }}
{{- include "ptunnel.hostAliasesSpec" (dict "s" $s "ip" $s.Values.sidecar.hostAliasesIP) }}
{{- end }}

{{/* The pod sysctl that lets ptunnel (uid 65532) listen on 993/587/465 with localPorts "same". */}}
{{- define "ptunnel.sidecar.sysctls" -}}
{{- $s := . }}{{ if hasKey . "ptunnelScope" }}{{ $s = .ptunnelScope }}{{ else if and (hasKey . "Subcharts") (hasKey (.Subcharts | default dict) "ptunnel") (ne .Chart.Name "ptunnel") }}{{ $s = .Subcharts.ptunnel }}{{ end }}
{{- if eq (toString $s.Values.config.localPorts) "same" -}}
- name: net.ipv4.ip_unprivileged_port_start
  value: "0"
{{- end }}
{{- end }}

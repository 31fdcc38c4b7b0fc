{{/*
Ports of the built-in presets (presets/*.yaml at the repository root), so that the chart can
render Service ports, container ports, hostAliases and the helm test without reading the image.
test/packaging/helm-presets.test.ts fails when this table and presets/ disagree and prints the
table to paste here. Names: tcp-<localPort> unless a tunnel names itself.
*/}}
{{- define "ptunnel.presetTable" -}}
fastmail:
  - {localPort: 14993, host: imap.fastmail.com, port: 993}
  - {localPort: 14465, host: smtp.fastmail.com, port: 465}
  - {localPort: 14587, host: smtp.fastmail.com, port: 587}
github-ssh:
  - {localPort: 18443, host: ssh.github.com, port: 443}
gitlab-ssh:
  - {localPort: 19443, host: altssh.gitlab.com, port: 443}
gmail:
  - {localPort: 9993, host: imap.gmail.com, port: 993}
  - {localPort: 5587, host: smtp.gmail.com, port: 587}
  - {localPort: 4465, host: smtp.gmail.com, port: 465}
icloud:
  - {localPort: 13993, host: imap.mail.me.com, port: 993}
  - {localPort: 13587, host: smtp.mail.me.com, port: 587}
office365:
  - {localPort: 11993, host: outlook.office365.com, port: 993}
  - {localPort: 11587, host: smtp.office365.com, port: 587}
outlook:
  - {localPort: 10993, host: outlook.office365.com, port: 993}
  - {localPort: 10587, host: smtp-mail.outlook.com, port: 587}
yahoo:
  - {localPort: 12993, host: imap.mail.yahoo.com, port: 993}
  - {localPort: 12465, host: smtp.mail.yahoo.com, port: 465}
  - {localPort: 12587, host: smtp.mail.yahoo.com, port: 587}
zoho:
  - {localPort: 15993, host: imap.zoho.com, port: 993}
  - {localPort: 15465, host: smtp.zoho.com, port: 465}
  - {localPort: 15587, host: smtp.zoho.com, port: 587}
{{- end }}

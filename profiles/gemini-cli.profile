; gemini-cli: default, plus what Google's Gemini CLI needs to start and
; reach its API.  ~/.gemini is under @home.

[profile]
description = default + exec of Gemini CLI's install dirs; GEMINI_*, GOOGLE_* passed
include = default

[filesystem]
; Symlinked launchers need their targets executable too (nono #168).
exec = ?@home/.local/bin ; user-installed launchers
exec = ?@home/.local/share ; their targets
exec = ?@home/.npm-global ; npm install -g with a user prefix
exec = ?@home/.nvm ; node installed with nvm

[network]
connect-tcp = 443 ; Google APIs (already in default)

[environment]
pass = GEMINI_* ; API key, model, sandbox settings
pass = GOOGLE_* ; GOOGLE_API_KEY, GOOGLE_CLOUD_PROJECT, Vertex AI
pass = NODE_EXTRA_CA_CERTS ; a corporate TLS proxy's CA
pass = HTTPS_PROXY
pass = https_proxy
pass = NO_PROXY
pass = no_proxy

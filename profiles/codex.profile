; codex: default, plus what OpenAI's Codex CLI needs to start and
; reach its API.  ~/.codex is under @home.

[profile]
description = default + exec of Codex's install dirs; OPENAI_*, CODEX_* passed
include = default

[filesystem]
; Symlinked launchers need their targets executable too (nono #168).
exec = ?@home/.local/bin ; user-installed launchers
exec = ?@home/.local/share ; their targets
exec = ?@home/.npm-global ; npm install -g with a user prefix
exec = ?@home/.nvm ; node installed with nvm
exec = ?@home/.cargo/bin ; cargo install of the Rust build

[network]
connect-tcp = 443 ; api.openai.com (already in default)

[environment]
pass = OPENAI_* ; API key, base URL, organization
pass = CODEX_* ; CODEX_HOME and friends
pass = NODE_EXTRA_CA_CERTS ; a corporate TLS proxy's CA
pass = HTTPS_PROXY
pass = https_proxy
pass = NO_PROXY
pass = no_proxy

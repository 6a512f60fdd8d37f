; opencode: default, plus what opencode needs to start and reach the
; model providers it is configured for.  ~/.config/opencode and
; ~/.local/share/opencode are under @home.

[profile]
description = default + opencode's install dirs exec; OPENCODE_*, provider keys passed
include = default

[filesystem]
; Symlinked launchers need their targets executable too (nono #168).
exec = ?@home/.opencode/bin ; the install script's default
exec = ?@home/.local/bin ; user-installed launchers
exec = ?@home/.local/share ; their targets
exec = ?@home/.npm-global ; npm install -g with a user prefix
exec = ?@home/.bun ; bun install -g
exec = ?@home/.nvm ; node installed with nvm

[network]
connect-tcp = 443 ; the providers' APIs (already in default)

[environment]
pass = OPENCODE_* ; opencode's own settings
pass = ANTHROPIC_* ; provider keys opencode reads
pass = OPENAI_*
pass = OPENROUTER_*
pass = GEMINI_*
pass = NODE_EXTRA_CA_CERTS ; a corporate TLS proxy's CA
pass = HTTPS_PROXY
pass = https_proxy
pass = NO_PROXY
pass = no_proxy

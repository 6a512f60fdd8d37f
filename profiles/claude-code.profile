; claude-code: default, plus what Claude Code needs to start and
; reach its API.  ~/.claude and ~/.claude.json are under @home.

[profile]
description = default + Claude Code's install dirs exec; ANTHROPIC_*, CLAUDE_CODE_* passed
include = default

[filesystem]
; Symlinked launchers need their targets executable too (nono #168).
exec = ?@home/.local/bin ; the native installer's launcher
exec = ?@home/.local/share ; its versions, the launcher's target
exec = ?@home/.claude/local ; the older local install
exec = ?@home/.npm-global ; npm install -g with a user prefix
exec = ?@home/.nvm ; node installed with nvm

[network]
connect-tcp = 443 ; api.anthropic.com (already in default)

[environment]
pass = ANTHROPIC_* ; API key, base URL, model
pass = CLAUDE_CODE_* ; Claude Code's own settings
pass = CLAUDE_CONFIG_DIR
pass = DISABLE_AUTOUPDATER
pass = NODE_EXTRA_CA_CERTS ; a corporate TLS proxy's CA
pass = HTTPS_PROXY
pass = https_proxy
pass = NO_PROXY
pass = no_proxy

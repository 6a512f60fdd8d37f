; claude-code: default, plus what Claude Code needs to start and
; reach its API.  ~/.claude and ~/.claude.json are under @home.

[profile]
description = default + exec in the agent's home; ANTHROPIC_*, CLAUDE_CODE_* passed
include = default

[filesystem]
; The CLI runs from wherever the agent installed it in its own home:
; ~/.local (npm prefix=~/.local, the native installer), ~/.npm-global,
; ~/.nvm, ~/.bun, pipx or uv venvs, and symlinked launchers need their
; targets executable too (nono #168).  Per-directory optional rules
; ("?@home/.local/bin") are resolved when the session starts, so a CLI
; installed during a session could not run before the next one, and
; an install script that runs what it just unpacked fails.  Executing
; from @home grants nothing new: @home is writable, and @project and
; @tmp are already writable and executable.
exec = @home

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

; codex: default, plus what OpenAI's Codex CLI needs to start and
; reach its API.  ~/.codex is under @home.

[profile]
description = default + exec in the agent's home; OPENAI_*, CODEX_* passed
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
; codex links apply_patch and codex-linux-sandbox into ~/.codex/tmp
; and runs them from there on every start.
exec = @home

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

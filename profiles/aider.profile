; aider: default, plus what Aider needs to start and reach the model
; providers.  ~/.aider* and ~/.cache are under @home.

[profile]
description = default + exec in the agent's home; AIDER_* and provider keys passed
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
connect-tcp = 443 ; the providers' APIs (already in default)

[environment]
pass = AIDER_* ; aider's own settings
pass = OPENAI_* ; provider keys aider reads
pass = ANTHROPIC_*
pass = OPENROUTER_*
pass = GEMINI_*
pass = REQUESTS_CA_BUNDLE ; a corporate TLS proxy's CA (Python)
pass = SSL_CERT_FILE
pass = HTTPS_PROXY
pass = https_proxy
pass = NO_PROXY
pass = no_proxy

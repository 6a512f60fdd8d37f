; opencode: default, plus what opencode needs to start and reach the
; model providers it is configured for.  ~/.config/opencode and
; ~/.local/share/opencode are under @home.

[profile]
description = default + exec in the agent's home; OPENCODE_*, provider keys passed
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
; opencode's npm postinstall runs the binary it unpacked to check it.
exec = @home

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

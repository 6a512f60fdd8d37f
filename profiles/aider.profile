; aider: default, plus what Aider needs to start and reach the model
; providers.  ~/.aider* and ~/.cache are under @home.

[profile]
description = default + exec of pipx/uv install dirs; AIDER_* and provider keys passed
include = default

[filesystem]
; pipx and uv link ~/.local/bin/aider into a venv (nono #168).
exec = ?@home/.local/bin ; the aider launcher
exec = ?@home/.local/share ; uv tools and newer pipx venvs
exec = ?@home/.local/pipx ; older pipx venvs

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

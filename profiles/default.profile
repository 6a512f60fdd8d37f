; default: base, plus the project, home and tmp writable, and TCP 443
; (HTTPS APIs, package registries) and 22 (git over ssh) out.

[profile]
description = base + project, home and tmp writable; TCP 443 and 22 out
include = base

[filesystem]
write = @project ; the work itself
exec = @project ; run what you build and the project's scripts
write = @tmp ; under agent-shell a private /tmp per session
exec = @tmp ; test runners build and run binaries there (go test)
; Under agent-shell @home is the agent account's own home.  Under
; agent-sandbox run as yourself it is YOUR home, dotfiles included:
; wrap per-tool-call commands with 'strict' instead.
write = @home

[network]
connect-tcp = 443 ; HTTPS: model APIs, package registries, git
connect-tcp = 22 ; git over ssh

[environment]
pass = EDITOR ; git commit, crontab -e
pass = VISUAL
pass = PAGER ; git log, man

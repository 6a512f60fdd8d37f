; offline: default's files, but no network at all.  Keep the
; [filesystem] and [environment] sections in step with default.profile.

[profile]
description = base + project, home and tmp writable; no TCP, no UDP, no DNS
include = base ; not default: an include cannot take its ports away

[filesystem]
write = @project ; the work itself
exec = @project ; run what you build and the project's scripts
write = @tmp ; under agent-shell a private /tmp per session
exec = @tmp ; test runners build and run binaries there
write = @home ; see default.profile before using this as yourself

[seccomp]
deny = @net ; AF_UNIX only: no IP (TCP, UDP, DNS), netlink, vsock or packet socket

[environment]
pass = EDITOR
pass = VISUAL
pass = PAGER

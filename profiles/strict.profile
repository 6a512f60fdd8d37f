; strict: base plus the project, nothing else.  For wrapping single
; tool calls with agent-sandbox as yourself: no home, no tmp, no
; network.  Tools that need a scratch directory must use the project.

[profile]
description = base + project writable; no home, no tmp, no network
include = base
landlock = required ; restated: this profile must never degrade

[filesystem]
write = @project ; the only writable tree
exec = @project ; build and test commands run project scripts

[limits]
; No nproc: RLIMIT_NPROC counts every process of the real uid, so a
; limit here would break (or be broken by) the owner's own session.
fsize = 1G ; no single runaway file fills the disk

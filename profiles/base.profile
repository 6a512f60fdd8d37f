; base: what nearly every program needs, and nothing more.
; System files can be read and executed; only harmless devices and
; the terminal are writable; no network.  agent-sandbox starts here
; when given no profile.  Inline comments start with " ;".

[profile]
description = system files read/exec, terminal and /dev/null writable, no network
landlock = required ; refuse to run rather than run unconfined

[filesystem]
exec = /usr ; programs and libraries
exec = /bin ; often a symlink to /usr/bin; the rule follows it
exec = /sbin ; same, for /usr/sbin
exec = /lib ; the dynamic loader and libraries
exec = ?/lib64 ; the x86-64 loader path; absent on other architectures
exec = ?/lib32 ; multilib, where installed
exec = ?/libx32 ; x32 multilib, where installed
read = /etc ; passwd, ld.so.cache, resolv.conf, TLS certificates
read = /proc ; ps, /proc/self; Landlock denies ptrace-mode reads (environ, mem) of outsiders
read = /sys ; CPU count and topology (nproc, node, python)
read = /dev/urandom ; randomness for every TLS library
read = /dev/random ; same, for programs that insist on it
write = /dev/null ; the universal sink
write = /dev/zero ; zero-filled mappings, dd
write = /dev/full ; tests that expect ENOSPC
write = /dev/tty ; the controlling terminal: write grants device ioctl,
write = /dev/pts ; so raw mode and job control work (nono #306)
write = /dev/ptmx ; new pseudo-terminals (script, tmux, expect)

[scope]
abstract-unix = isolated ; no owner's X11, D-Bus or other abstract sockets
signal = isolated ; no signals to processes outside the sandbox

[environment]
pass = PATH
pass = HOME
pass = USER
pass = LOGNAME
pass = SHELL
pass = TERM
pass = COLORTERM
pass = LANG
pass = LC_* ; the locale categories
pass = TZ
pass = NO_COLOR

[limits]
core = 0 ; a core dump could write secrets the process held

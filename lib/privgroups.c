/* SPDX-License-Identifier: MIT */
/*
 * The privileged groups (account.h), alone in this file so that the setuid
 * helper, which checks them at every session start, links this list and
 * not account.c's process-spawning code.
 */
#include "account.h"

const char *const as_privileged_groups[] = {
	"root",        "sudo",    "adm", "wheel",           "admin",      "staff",  "shadow",
	"disk",        "kmem",    "tty", "systemd-journal", "docker",     "lxd",    "incus",
	"incus-admin", "libvirt", "kvm", "lpadmin",         "sambashare", "netdev", NULL,
};

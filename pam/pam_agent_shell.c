/* SPDX-License-Identifier: MIT */
/*
 * pam_agent_shell: lets PAM_RUSER become PAM_USER only when the agent-shell
 * registry names PAM_RUSER as the owner of the agent account PAM_USER.
 *
 * The helper sets PAM_USER (the agent, taken from the registry) and PAM_RUSER
 * (the caller, from getuid(), never from the environment).  This module
 * re-derives the answer on its own from the root-owned registry, so the
 * authorization lives in the PAM stack an admin can read and extend, and a
 * bug in the helper's own lookup cannot hand one developer another's agent.
 *
 * Shape after Linux-PAM's pam_wheel: one argument parser filling flags, one
 * check every pam_sm_* calls, only pam_sm_* exported (pam_agent_shell.map).
 * See docs/pam_agent_shell.md.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "common.h"
#include "registry.h"

#define PAS_DEBUG 0x1U

/* Filled once per call by parse_module_args(); never modified after. */
struct pas_args {
	unsigned int ctrl;
	const char *registry_dir;
};

/* Room for a name or a reason after every byte became \xNN. */
#define PAS_LOG_MAX (4 * 256 + 1)
#define PAS_REASON_LOG_MAX (4 * AS_ERR_MAX + 1)

/*
 * as_escape() neutralizes control characters and backslashes; the log line
 * also quotes names, so a '"' in an application-supplied PAM_USER must not
 * be able to close the quote and forge a field either.
 */
static void escape_for_log(const char *src, char *dst, size_t dstlen)
{
	char tmp[PAS_REASON_LOG_MAX];
	size_t o = 0;

	as_escape(src ? src : "", tmp, sizeof(tmp));
	for (const char *p = tmp; *p; p++) {
		size_t need = *p == '"' ? 4 : 1;

		if (o + need >= dstlen)
			break;
		if (*p == '"') {
			memcpy(dst + o, "\\x22", 4);
		} else {
			dst[o] = *p;
		}
		o += need;
	}
	dst[o] = '\0';
}

/*
 * Logs why the request was refused and returns the refusal.  The reason is
 * formatted first and escaped as a whole, since it may quote registry
 * content or names.
 */
static int deny(pam_handle_t *pamh, int code, const char *ruser, const char *user, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));
static int deny(pam_handle_t *pamh, int code, const char *ruser, const char *user, const char *fmt,
		...)
{
	char reason[AS_ERR_MAX];
	char e_reason[PAS_REASON_LOG_MAX], e_ruser[PAS_LOG_MAX], e_user[PAS_LOG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	escape_for_log(reason, e_reason, sizeof(e_reason));
	escape_for_log(ruser ? ruser : "(unset)", e_ruser, sizeof(e_ruser));
	escape_for_log(user ? user : "(unset)", e_user, sizeof(e_user));
	pam_syslog(pamh, LOG_AUTHPRIV | LOG_NOTICE, "denied: ruser=\"%s\" user=\"%s\": %s", e_ruser,
		   e_user, e_reason);
	return code;
}

/*
 * pam_wheel's _pam_parse(): every argument is known, or the module refuses
 * to work at all (PAM_SERVICE_ERR).  Carrying on past a typo such as
 * "registy=/x" would silently check something other than what the admin
 * wrote.
 *
 * registry=DIR is honoured without further checks on who asked for it: the
 * only way to pass it is a line in a PAM service file, which is root's to
 * write (the helper reads AS_PAM_CONFDIR, compiled in).  The registry files
 * in DIR must still be root-owned and not group/other-writable.
 */
static int parse_module_args(pam_handle_t *pamh, int argc, const char **argv, struct pas_args *args)
{
	args->ctrl = 0;
	args->registry_dir = AS_REGISTRYDIR;

	for (int i = 0; i < argc; i++) {
		char e_arg[PAS_LOG_MAX];

		if (strcmp(argv[i], "debug") == 0) {
			args->ctrl |= PAS_DEBUG;
		} else if (strncmp(argv[i], "registry=", 9) == 0) {
			const char *dir = argv[i] + 9;

			if (dir[0] != '/') {
				escape_for_log(dir, e_arg, sizeof(e_arg));
				pam_syslog(pamh, LOG_AUTHPRIV | LOG_ERR,
					   "registry= needs an absolute directory, not \"%s\"; refusing to run",
					   e_arg);
				return PAM_SERVICE_ERR;
			}
			args->registry_dir = dir;
		} else {
			escape_for_log(argv[i], e_arg, sizeof(e_arg));
			pam_syslog(pamh, LOG_AUTHPRIV | LOG_ERR,
				   "unknown argument \"%s\"; refusing to run", e_arg);
			return PAM_SERVICE_ERR;
		}
	}
	return PAM_SUCCESS;
}

/* A PAM item as a string; NULL when unset, empty or unreadable. */
static const char *get_name_item(pam_handle_t *pamh, int type)
{
	const void *item = NULL;

	if (pam_get_item(pamh, type, &item) != PAM_SUCCESS || !item || !*(const char *)item)
		return NULL;
	return item;
}

/*
 * A passwd entry that is exactly NAME.  Some NSS backends match names case-
 * insensitively or by alias; the registry compares exact names, so must we.
 */
static const struct passwd *lookup_exact(pam_handle_t *pamh, const char *name)
{
	const struct passwd *pw = pam_modutil_getpwnam(pamh, name);

	if (!pw || !pw->pw_name || strcmp(pw->pw_name, name) != 0)
		return NULL;
	return pw;
}

/*
 * The one check: PAM_RUSER is the registered owner of the agent account
 * PAM_USER, by name and by uid.  DENIED is what a refusal returns in the
 * calling phase (PAM_AUTH_ERR for auth, PAM_PERM_DENIED for account).
 */
static int check_owner(pam_handle_t *pamh, const struct pas_args *args, int denied)
{
	struct as_registry reg;
	struct as_err err = { "" };
	const struct passwd *pw_user, *pw_ruser;
	const char *user, *ruser;
	int r, ret;

	/* Items, not pam_get_user(): this module authorizes a request the
	 * application made; it never prompts for who to become. */
	user = get_name_item(pamh, PAM_USER);
	ruser = get_name_item(pamh, PAM_RUSER);
	if (!user)
		return deny(pamh, denied, ruser, user, "PAM_USER is not set");
	if (!ruser)
		return deny(pamh, denied, ruser, user,
			    "PAM_RUSER is not set; the requesting user must be known");

	pw_user = lookup_exact(pamh, user);
	if (!pw_user)
		return deny(pamh, denied, ruser, user, "user is not a local account");
	if (pw_user->pw_uid == 0)
		return deny(pamh, denied, ruser, user,
			    "user has uid 0; root is never an agent account");
	pw_ruser = lookup_exact(pamh, ruser);
	if (!pw_ruser)
		return deny(pamh, denied, ruser, user, "requesting user is not a local account");
	/* Root needs no agent-shell, and a registry naming root as owner is
	 * a mistake, not a grant. */
	if (pw_ruser->pw_uid == 0)
		return deny(pamh, denied, ruser, user,
			    "requesting user has uid 0; root owns no agent");

	as_registry_init(&reg);
	r = as_registry_find_by_account(&reg, args->registry_dir, user, AS_TRUST_ROOT_ONLY, &err);
	if (r == -ENOENT) {
		ret = deny(pamh, denied, ruser, user,
			   "no registry in %s names user as an agent account", args->registry_dir);
		goto out;
	}
	if (r < 0) {
		ret = deny(pamh, denied, ruser, user, "registry: %s", err.msg);
		goto out;
	}
	if (!reg.account || strcmp(reg.account, user) != 0) {
		ret = deny(pamh, denied, ruser, user, "registry lookup returned account '%s'",
			   reg.account ? reg.account : "");
		goto out;
	}
	if (!reg.owner || strcmp(reg.owner, ruser) != 0) {
		ret = deny(pamh, denied, ruser, user,
			   "requesting user is not the registered owner (owner is '%s')",
			   reg.owner ? reg.owner : "");
		goto out;
	}
	/* Names alone would let an account deleted and re-created under the
	 * same name (new uid) inherit the old grant. */
	if (reg.owner_uid != pw_ruser->pw_uid) {
		ret = deny(pamh, denied, ruser, user,
			   "owner uid mismatch: registry has %u, passwd has %u",
			   (unsigned)reg.owner_uid, (unsigned)pw_ruser->pw_uid);
		goto out;
	}
	if (reg.account_uid != pw_user->pw_uid) {
		ret = deny(pamh, denied, ruser, user,
			   "account uid mismatch: registry has %u, passwd has %u",
			   (unsigned)reg.account_uid, (unsigned)pw_user->pw_uid);
		goto out;
	}

	if (args->ctrl & PAS_DEBUG) {
		char e_ruser[PAS_LOG_MAX], e_user[PAS_LOG_MAX];

		escape_for_log(ruser, e_ruser, sizeof(e_ruser));
		escape_for_log(user, e_user, sizeof(e_user));
		pam_syslog(pamh, LOG_AUTHPRIV | LOG_DEBUG,
			   "allowed: ruser=\"%s\" user=\"%s\": registered owner (uid %u -> %u)",
			   e_ruser, e_user, (unsigned)pw_ruser->pw_uid, (unsigned)pw_user->pw_uid);
	}
	ret = PAM_SUCCESS;
out:
	as_registry_free(&reg);
	return ret;
}

int pam_sm_authenticate(pam_handle_t *pamh, int flags __attribute__((unused)), int argc,
			const char **argv)
{
	struct pas_args args;
	int r = parse_module_args(pamh, argc, argv, &args);

	if (r != PAM_SUCCESS)
		return r;
	return check_owner(pamh, &args, PAM_AUTH_ERR);
}

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags __attribute__((unused)), int argc,
		     const char **argv)
{
	struct pas_args args;
	int r = parse_module_args(pamh, argc, argv, &args);

	if (r != PAM_SUCCESS)
		return r;
	return check_owner(pamh, &args, PAM_PERM_DENIED);
}

/* No credentials to set; the arguments are still checked so that a broken
 * line fails the same way in every phase. */
int pam_sm_setcred(pam_handle_t *pamh, int flags __attribute__((unused)), int argc,
		   const char **argv)
{
	struct pas_args args;

	return parse_module_args(pamh, argc, argv, &args);
}

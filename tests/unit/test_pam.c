/* SPDX-License-Identifier: MIT */
/*
 * pam_agent_shell through the real libpam.  The test writes a scratch PAM
 * confdir whose service files load the just-built module by absolute path
 * (argv[1]) with registry=<scratch dir>, and writes registry files there,
 * using real passwd accounts so the uid checks see real uids.
 *
 * Under AS_TRUST_ROOT_ONLY a registry file written by a non-root test is
 * untrusted, and there is deliberately no argument to relax that.  So the
 * checks that need a trusted registry (success, and denials whose reason
 * comes after the registry is read) assert their reason only as root; when
 * not root they still assert the refusal, and the reason is a SKIP.
 *
 * The module's syslog lines are read back through openlog(LOG_PERROR):
 * pam_syslog() ends in syslog(3), which then also writes to stderr, and
 * each PAM call runs with stderr pointed at a memfd.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "tap.h"

#define LOG_BUF 8192
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	const char *module;
	bool root;
	char confdir[64];
	char regdir[64];
	char emptydir[64];
	char owner[64], account[64], other[64];
	uid_t owner_uid, account_uid;
};

enum phase { AUTH, ACCT, SETCRED };

static void skip(const char *name, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, name, why);
	fflush(stdout);
}

/* ---- fixture ------------------------------------------------------------ */

static const char *const candidates[] = {
	"daemon", "bin",  "sys",   "sync",     "games",  "man",  "lp",  "mail",
	"news",   "uucp", "proxy", "www-data", "backup", "list", "irc", "nobody",
};

/* The next existing, non-root account not already taken. */
static bool pick_account(char *name, size_t len, uid_t *uid, const uid_t *taken, size_t ntaken)
{
	for (size_t i = 0; i < N_ELEMENTS(candidates); i++) {
		const struct passwd *pw = getpwnam(candidates[i]);
		bool used = false;

		if (!pw || pw->pw_uid == 0)
			continue;
		for (size_t j = 0; j < ntaken; j++)
			used |= taken[j] == pw->pw_uid;
		if (used)
			continue;
		snprintf(name, len, "%s", pw->pw_name);
		*uid = pw->pw_uid;
		return true;
	}
	return false;
}

static bool pick_accounts(struct fixture *f)
{
	const struct passwd *me = getpwuid(getuid());
	uid_t taken[3] = { 0 };
	uid_t other_uid;

	/* The owner is whoever runs the test when that is not root (root is
	 * never an owner), else a system account. */
	if (me && me->pw_uid != 0) {
		snprintf(f->owner, sizeof(f->owner), "%s", me->pw_name);
		f->owner_uid = me->pw_uid;
	} else if (!pick_account(f->owner, sizeof(f->owner), &f->owner_uid, taken, 1)) {
		return false;
	}
	taken[1] = f->owner_uid;
	if (!pick_account(f->account, sizeof(f->account), &f->account_uid, taken, 2))
		return false;
	taken[2] = f->account_uid;
	return pick_account(f->other, sizeof(f->other), &other_uid, taken, 3);
}

static int write_file(const char *dir, const char *name, mode_t mode, const char *text)
{
	char path[256];
	int fd;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* A fresh inode each time, so an earlier chown does not stick. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0) {
		close(fd);
		return -EIO;
	}
	return close(fd) < 0 ? -errno : 0;
}

/* A registry exactly as agent-admin writes it (lib/registry.h). */
static int write_registry(const struct fixture *f, const char *owner, uid_t owner_uid,
			  const char *account, uid_t account_uid, mode_t mode)
{
	char name[128], text[1024];

	snprintf(name, sizeof(name), "%s.conf", owner);
	snprintf(text, sizeof(text),
		 "# Managed by agent-admin(8).\n"
		 "[agent]\n"
		 "owner = %s\n"
		 "owner-uid = %u\n"
		 "account = %s\n"
		 "account-uid = %u\n"
		 "home = /nonexistent/%s\n"
		 "profile = default\n"
		 "sudo = no\n"
		 "\n"
		 "[project]\n"
		 "path = /nonexistent/src/foo\n"
		 "access = rw\n",
		 owner, (unsigned)owner_uid, account, (unsigned)account_uid, account);
	return write_file(f->regdir, name, mode, text);
}

static void clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static bool write_service(const struct fixture *f, const char *service, const char *args)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "auth     required %s %s\n"
		 "account  required %s %s\n",
		 f->module, args, f->module, args);
	return write_file(f->confdir, service, 0644, text) == 0;
}

static bool setup(struct fixture *f)
{
	char args[256];

	snprintf(f->confdir, sizeof(f->confdir), "/tmp/as-pam-conf-XXXXXX");
	snprintf(f->regdir, sizeof(f->regdir), "/tmp/as-pam-reg-XXXXXX");
	snprintf(f->emptydir, sizeof(f->emptydir), "/tmp/as-pam-empty-XXXXXX");
	if (!mkdtemp(f->confdir) || !mkdtemp(f->regdir) || !mkdtemp(f->emptydir))
		return false;
	/* mkdtemp makes 0700 directories; the registry directory is 0755 in
	 * real life. */
	if (chmod(f->regdir, 0755) < 0 || chmod(f->emptydir, 0755) < 0)
		return false;

	snprintf(args, sizeof(args), "debug registry=%s", f->regdir);
	if (!write_service(f, "as-test", args))
		return false;
	snprintf(args, sizeof(args), "registry=%s", f->emptydir);
	if (!write_service(f, "as-test-empty", args))
		return false;
	snprintf(args, sizeof(args), "registry=%s frobnicate", f->regdir);
	if (!write_service(f, "as-test-badarg", args))
		return false;
	return write_service(f, "as-test-relative", "registry=etc/agent-shell/agents.d");
}

static void teardown(const struct fixture *f)
{
	clear_dir(f->confdir);
	clear_dir(f->regdir);
	rmdir(f->confdir);
	rmdir(f->regdir);
	rmdir(f->emptydir);
}

/* ---- one PAM transaction ------------------------------------------------ */

static int no_conv(int n __attribute__((unused)),
		   const struct pam_message **msg __attribute__((unused)),
		   struct pam_response **resp __attribute__((unused)),
		   void *data __attribute__((unused)))
{
	return PAM_CONV_ERR;
}

/*
 * pam_start_confdir(SERVICE, USER), PAM_RUSER = RUSER (unset when NULL),
 * then one phase.  What the module logged lands in LOG, one line per
 * syslog call, the line breaks shown as '|' so that a failing check's
 * diagnostic stays one TAP comment line.
 */
static int run_pam(const struct fixture *f, const char *service, const char *user,
		   const char *ruser, enum phase phase, char *log, size_t loglen)
{
	const struct pam_conv conv = { no_conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc, saved, memfd;
	ssize_t n;

	log[0] = '\0';
	memfd = memfd_create("pam-log", MFD_CLOEXEC);
	if (memfd < 0)
		return -1;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(memfd, STDERR_FILENO);

	rc = pam_start_confdir(service, user, &conv, f->confdir, &pamh);
	if (rc == PAM_SUCCESS) {
		if (ruser)
			rc = pam_set_item(pamh, PAM_RUSER, ruser);
		if (rc == PAM_SUCCESS) {
			switch (phase) {
			case AUTH:
				rc = pam_authenticate(pamh, 0);
				break;
			case ACCT:
				rc = pam_acct_mgmt(pamh, 0);
				break;
			case SETCRED:
				rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
				break;
			}
		}
		pam_end(pamh, rc);
	}

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(memfd, log, loglen - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(memfd);
	for (char *p = log; (p = strchr(p, '\n'));)
		*p = '|';
	return rc;
}

/* Asserts the log names the reason; as non-root, when the reason is one a
 * trusted registry would give, that assertion is skipped. */
static void like_reason(const struct fixture *f, const char *log, const char *reason,
			bool needs_trusted_registry, const char *name)
{
	if (needs_trusted_registry && !f->root) {
		skip(name, "needs root: a registry written by a non-root test is untrusted");
		return;
	}
	like(log, reason, "%s", name);
}

/* ---- dlopen ------------------------------------------------------------- */

static void test_dlopen(const struct fixture *f)
{
	static const char *const exported[] = {
		"pam_sm_authenticate",
		"pam_sm_acct_mgmt",
		"pam_sm_setcred",
	};
	static const char *const private[] = {
		"as_registry_load", "as_registry_find_by_account", "as_escape", "as_read_file",
		"check_owner",      "parse_module_args",
	};
	void *h = dlopen(f->module, RTLD_NOW | RTLD_LOCAL);

	if (!ok(h != NULL, "dlopen: the module loads with RTLD_NOW (every symbol resolves)")) {
		printf("#   %s\n", dlerror());
		return;
	}
	for (size_t i = 0; i < N_ELEMENTS(exported); i++)
		ok(dlsym(h, exported[i]) != NULL, "dlopen: exports %s", exported[i]);
	for (size_t i = 0; i < N_ELEMENTS(private); i++)
		ok(dlsym(h, private[i]) == NULL, "dlopen: does not export %s", private[i]);
	ok(dlsym(h, "pam_sm_open_session") == NULL,
	   "dlopen: has no session entry point (the module is auth and account only)");
	dlclose(h);
}

/* ---- behaviours --------------------------------------------------------- */

static void test_owner_allowed(const struct fixture *f)
{
	char log[LOG_BUF], want[256];
	int rc;

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
	if (!f->root) {
		rc = run_pam(f, "as-test", f->account, f->owner, AUTH, log, sizeof(log));
		is_int(rc, PAM_AUTH_ERR,
		       "as non-root, our own registry file is not trusted, so even the owner is refused");
		like(log, "not owned by root",
		     "as non-root, the refusal says the registry is not root-owned");
		skip("the registered owner authenticates as its agent",
		     "needs root (root-owned registry)");
		skip("the registered owner passes account management",
		     "needs root (root-owned registry)");
		skip("debug logs the success naming both users",
		     "needs root (root-owned registry)");
		return;
	}
	rc = run_pam(f, "as-test", f->account, f->owner, AUTH, log, sizeof(log));
	is_int(rc, PAM_SUCCESS, "the registered owner authenticates as its agent");
	if (rc != PAM_SUCCESS)
		printf("#   log: %s\n", log);
	is_int(run_pam(f, "as-test", f->account, f->owner, ACCT, log, sizeof(log)), PAM_SUCCESS,
	       "the registered owner passes account management");
	snprintf(want, sizeof(want), "allowed: ruser=\"%s\" user=\"%s\"", f->owner, f->account);
	like(log, want, "debug logs the success naming both users");
}

static void test_setcred(const struct fixture *f)
{
	char log[LOG_BUF];

	is_int(run_pam(f, "as-test", f->account, f->owner, SETCRED, log, sizeof(log)), PAM_SUCCESS,
	       "setcred succeeds: there are no credentials to set");
}

static void test_other_ruser(const struct fixture *f)
{
	char log[LOG_BUF], want[256];

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
	is_int(run_pam(f, "as-test", f->account, f->other, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "another user cannot authenticate as someone else's agent");
	snprintf(want, sizeof(want), "denied: ruser=\"%s\" user=\"%s\"", f->other, f->account);
	like(log, want, "the denial is logged naming ruser and user");
	like_reason(f, log, "requesting user is not the registered owner", true,
		    "the denial says the requester is not the registered owner");
	is_int(run_pam(f, "as-test", f->account, f->other, ACCT, log, sizeof(log)), PAM_PERM_DENIED,
	       "another user fails account management with PAM_PERM_DENIED");
}

static void test_no_registry(const struct fixture *f)
{
	char log[LOG_BUF];

	is_int(run_pam(f, "as-test-empty", f->account, f->owner, AUTH, log, sizeof(log)),
	       PAM_AUTH_ERR, "an account no registry names is refused");
	like(log, "no registry in", "the denial says no registry names the account");
	like(log, f->emptydir, "the denial names the registry directory it searched");
	is_int(run_pam(f, "as-test-empty", f->account, f->owner, ACCT, log, sizeof(log)),
	       PAM_PERM_DENIED, "an account no registry names fails account management");
}

static void test_untrusted_registry(const struct fixture *f)
{
	char log[LOG_BUF];

	if (!f->root) {
		write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
		is_int(run_pam(f, "as-test", f->account, f->owner, AUTH, log, sizeof(log)),
		       PAM_AUTH_ERR, "a registry file not owned by root is refused");
		like(log, "not owned by root", "the denial says the registry is not owned by root");
		return;
	}
	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0664);
	is_int(run_pam(f, "as-test", f->account, f->owner, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "a group-writable registry file is refused");
	like(log, "writable by group or others", "the denial says the registry is group-writable");

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/%s.conf", f->regdir, f->owner);
		ok(chown(path, f->owner_uid, (gid_t)-1) == 0,
		   "give the registry file to its owner");
	}
	is_int(run_pam(f, "as-test", f->account, f->owner, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "a registry file owned by the developer (not root) is refused");
	like(log, "not owned by root", "the denial says the registry is not owned by root");
}

static void test_missing_items(const struct fixture *f)
{
	char log[LOG_BUF];

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
	is_int(run_pam(f, "as-test", f->account, NULL, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "without PAM_RUSER authentication is refused");
	like(log, "PAM_RUSER is not set", "the denial says PAM_RUSER is missing");
	is_int(run_pam(f, "as-test", f->account, NULL, ACCT, log, sizeof(log)), PAM_PERM_DENIED,
	       "without PAM_RUSER account management is refused");
	is_int(run_pam(f, "as-test", f->account, "", AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "an empty PAM_RUSER counts as missing");
	is_int(run_pam(f, "as-test", NULL, f->owner, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "without PAM_USER authentication is refused (the module never prompts)");
	like(log, "PAM_USER is not set", "the denial says PAM_USER is missing");
}

static void test_uid_mismatch(const struct fixture *f)
{
	char log[LOG_BUF];

	/* The names still match: as if the owner had been deleted and the
	 * name given to a new account with another uid. */
	write_registry(f, f->owner, f->owner_uid + 12345, f->account, f->account_uid, 0644);
	is_int(run_pam(f, "as-test", f->account, f->owner, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "an owner whose uid differs from the registry's is refused");
	like_reason(f, log, "owner uid mismatch", true,
		    "the denial says the owner uid does not match");

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid + 12345, 0644);
	is_int(run_pam(f, "as-test", f->account, f->owner, ACCT, log, sizeof(log)), PAM_PERM_DENIED,
	       "an agent account whose uid differs from the registry's is refused");
	like_reason(f, log, "account uid mismatch", true,
		    "the denial says the account uid does not match");
}

static void test_root(const struct fixture *f)
{
	char log[LOG_BUF];

	write_registry(f, f->owner, f->owner_uid, "root", 0, 0644);
	is_int(run_pam(f, "as-test", "root", f->owner, AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "root is never an agent account, even if a registry says so");
	like(log, "root is never an agent account", "the denial says the target is root");

	write_registry(f, "root", 0, f->account, f->account_uid, 0644);
	is_int(run_pam(f, "as-test", f->account, "root", AUTH, log, sizeof(log)), PAM_AUTH_ERR,
	       "root owns no agent, even if a registry says so");
	like(log, "root owns no agent", "the denial says the requester is root");
	clear_dir(f->regdir);
}

static void test_unknown_users(const struct fixture *f)
{
	char log[LOG_BUF];

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
	is_int(run_pam(f, "as-test", "as-no-such-user", f->owner, AUTH, log, sizeof(log)),
	       PAM_AUTH_ERR, "a PAM_USER that is not in passwd is refused");
	like(log, "user is not a local account", "the denial says the user is unknown");
	is_int(run_pam(f, "as-test", f->account, "as-no-such-user", AUTH, log, sizeof(log)),
	       PAM_AUTH_ERR, "a PAM_RUSER that is not in passwd is refused");
	like(log, "requesting user is not a local account",
	     "the denial says the requester is unknown");
}

static void test_log_escaping(const struct fixture *f)
{
	char log[LOG_BUF];

	run_pam(f, "as-test", f->account, "evil\nJan  1 00:00:00 host sshd: forged", AUTH, log,
		sizeof(log));
	like(log, "ruser=\"evil\\x0aJan", "a newline in PAM_RUSER is logged as \\x0a");
	/* run_pam() shows each line break as '|': a raw newline would have
	 * split the line right after "evil". */
	ok(strstr(log, "evil|") == NULL, "no raw newline from PAM_RUSER reaches the log");

	run_pam(f, "as-test", "x\" user=\"root", f->owner, AUTH, log, sizeof(log));
	like(log, "user=\"x\\x22 user=\\x22root\"",
	     "a quote in PAM_USER cannot close the quoted field");
}

static void test_arguments(const struct fixture *f)
{
	char log[LOG_BUF];

	write_registry(f, f->owner, f->owner_uid, f->account, f->account_uid, 0644);
	is_int(run_pam(f, "as-test-badarg", f->account, f->owner, AUTH, log, sizeof(log)),
	       PAM_SERVICE_ERR,
	       "an unknown module argument fails authentication closed with PAM_SERVICE_ERR");
	like(log, "unknown argument \"frobnicate\"", "the unknown argument is logged by name");
	is_int(run_pam(f, "as-test-badarg", f->account, f->owner, ACCT, log, sizeof(log)),
	       PAM_SERVICE_ERR, "an unknown module argument fails account management closed");
	is_int(run_pam(f, "as-test-badarg", f->account, f->owner, SETCRED, log, sizeof(log)),
	       PAM_SERVICE_ERR, "an unknown module argument fails setcred closed");
	is_int(run_pam(f, "as-test-relative", f->account, f->owner, AUTH, log, sizeof(log)),
	       PAM_SERVICE_ERR, "a relative registry= directory is refused with PAM_SERVICE_ERR");
	like(log, "registry= needs an absolute directory", "the relative registry= is logged");
}

int main(int argc, char **argv)
{
	struct fixture f = { 0 };

	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: %s /absolute/path/pam_agent_shell.so\n", argv[0]);
		return 2;
	}
	f.module = argv[1];
	f.root = geteuid() == 0;
	/* pam_syslog() -> syslog(3); LOG_PERROR copies each line to stderr,
	 * which run_pam() captures. */
	openlog("test-pam", LOG_PERROR, LOG_AUTHPRIV);

	test_dlopen(&f);
	if (!ok(pick_accounts(&f), "found three distinct non-root accounts in passwd") ||
	    !ok(setup(&f), "scratch PAM confdir and registry written")) {
		teardown(&f);
		return tap_done();
	}
	printf("# owner %s (%u), agent %s (%u), other %s; %s\n", f.owner, (unsigned)f.owner_uid,
	       f.account, (unsigned)f.account_uid, f.other, f.root ? "root" : "not root");

	test_owner_allowed(&f);
	test_setcred(&f);
	test_other_ruser(&f);
	test_no_registry(&f);
	test_untrusted_registry(&f);
	test_missing_items(&f);
	test_uid_mismatch(&f);
	test_root(&f);
	test_unknown_users(&f);
	test_log_escaping(&f);
	test_arguments(&f);

	teardown(&f);
	closelog();
	return tap_done();
}

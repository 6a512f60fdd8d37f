/* SPDX-License-Identifier: MIT */
/*
 * Name checks: pure functions of their argument (no I/O, no allocation,
 * no other lib/ module), so any program, the setuid helper and the PAM
 * module among them, can link them without linking what the names are
 * for (account creation, the profile parser).
 */
#include "names.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_BYTES 32

/* Shows one offending byte: the character itself, or \xNN. */
static void show_char(unsigned char c, char *buf, size_t len)
{
	if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
		snprintf(buf, len, "\\x%02x", c);
	else
		snprintf(buf, len, "'%c'", c);
}

static bool name_check(const char *name, bool owner, struct as_err *err)
{
	char shown[4 * NAME_MAX_BYTES + 8], ch[8];
	const char *what = owner ? "user name" : "account name";
	size_t len;

	if (!name || !*name) {
		as_err_set(err, "empty %s", what);
		return false;
	}
	len = strlen(name);
	as_escape(name, shown, sizeof(shown));
	if (len > NAME_MAX_BYTES) {
		as_err_set(err, "%s '%s': longer than %d bytes", what, shown, NAME_MAX_BYTES);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok;

		if (owner)
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_' ||
			     (i > 0 && (c == '.' || c == '-'));
		else
			ok = (c >= 'a' && c <= 'z') || c == '_' ||
			     (i > 0 && ((c >= '0' && c <= '9') || c == '-'));
		/* A trailing '$' marks Samba machine accounts; useradd allows it. */
		if (!ok && c == '$' && i > 0 && i == len - 1)
			ok = true;
		if (!ok) {
			show_char(c, ch, sizeof(ch));
			if (i == 0)
				as_err_set(err, "%s '%s': must start with %s, not %s", what, shown,
					   owner ? "a letter, a digit or '_'" :
						   "a lowercase letter or '_'",
					   ch);
			else
				as_err_set(err, "%s '%s': %s is not allowed (%s)", what, shown, ch,
					   owner ? "letters, digits, '_', '.' and '-' only" :
						   "lowercase letters, digits, '_' and '-' only");
			return false;
		}
	}
	return true;
}

bool as_account_name_valid(const char *name, struct as_err *err)
{
	return name_check(name, false, err);
}

bool as_owner_name_valid(const char *name, struct as_err *err)
{
	return name_check(name, true, err);
}

bool as_profile_name_valid(const char *name)
{
	size_t n;

	if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (n = 1; name[n]; n++) {
		char c = name[n];

		if (n >= 64)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return strstr(name, "..") == NULL;
}

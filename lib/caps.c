/* SPDX-License-Identifier: MIT */
#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/securebits.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int last_cap(void)
{
	/* The running kernel's, so the same for the whole process: found
	 * once, not at each of the several checks of a launch. */
	static int known = -1;
	int lo = 0, hi = 63;

	if (__atomic_load_n(&known, __ATOMIC_RELAXED) >= 0)
		return __atomic_load_n(&known, __ATOMIC_RELAXED);
	/* PR_CAPBSET_READ fails with EINVAL past the last capability the
	 * running kernel knows, which may be newer than our headers; find
	 * the boundary in a handful of calls. */
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	__atomic_store_n(&known, lo, __ATOMIC_RELAXED);
	return lo;
}

/* capget(2) directly: one syscall, where libcap-ng would parse
 * /proc/self/status on every call. */
static int read_caps(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	/* Valgrind 3.19 marks only the first of the two structs written. */
	memset(data, 0, 2 * sizeof(*data));
	return (int)syscall(SYS_capget, &hdr, data);
}

bool as_caps_none_left(bool check_bounding)
{
	struct __user_cap_data_struct data[2];
	int last = last_cap();

	if (read_caps(data) < 0)
		return false;
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return false;
	for (int c = 0; c <= last; c++) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) > 0)
			return false;
		if (check_bounding && prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			return false;
	}
	return true;
}

/* With CAP_SETPCAP we can make the drop permanent: empty the bounding set
 * so no exec (setuid-root or file caps) can give anything back, and lock
 * securebits so uid 0 is an ordinary uid from here on (capabilities(7),
 * "Capabilities and execution of programs by root"). */
int as_caps_clear_bounding(struct as_err *err)
{
	const unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				   SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
				   SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

	int last = last_cap();

	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return as_fail(err, -errno, "cannot lock securebits: %s", strerror(errno));
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return as_fail(err, -errno,
				       "cannot drop capability %d from the bounding set: %s", c,
				       strerror(errno));
	return 0;
}

int as_caps_drop_all(struct as_err *err)
{
	struct __user_cap_data_struct data[2];
	bool privileged;
	int r;

	if (read_caps(data) < 0)
		return as_fail(err, -errno, "cannot read capabilities: %s", strerror(errno));
	privileged = data[CAP_TO_INDEX(CAP_SETPCAP)].effective & CAP_TO_MASK(CAP_SETPCAP);
	if (privileged) {
		r = as_caps_clear_bounding(err);
		if (r < 0)
			return r;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return as_fail(err, -errno, "cannot clear ambient capabilities: %s",
			       strerror(errno));
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return as_fail(err, -EPERM, "cannot clear capability sets");
	/* Verify rather than trust: a partial drop must not go unnoticed. */
	if (!as_caps_none_left(privileged))
		return as_fail(err, -EPERM, "capabilities remain after dropping them");
	return 0;
}

int as_caps_keep_only(int cap, struct as_err *err)
{
	struct __user_cap_data_struct data[2];
	int r = as_caps_clear_bounding(err);

	if (r < 0)
		return r;
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)cap) < 0 ||
	    capng_apply(CAPNG_SELECT_CAPS) < 0)
		return as_fail(err, -EPERM, "cannot narrow the capability sets");
	/* Verify: exactly cap in effective and permitted, nothing inheritable. */
	if (read_caps(data) < 0)
		return as_fail(err, -errno, "cannot read capabilities: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		uint32_t want = CAP_TO_INDEX(cap) == i ? CAP_TO_MASK(cap) : 0;

		if (data[i].effective != want || data[i].permitted != want || data[i].inheritable)
			return as_fail(err, -EPERM, "capabilities other than the one kept remain");
	}
	return 0;
}

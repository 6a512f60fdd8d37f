/* SPDX-License-Identifier: MIT */
/*
 * exec-wrap PROGRAM [ARG]...: execs PROGRAM and does nothing else.
 *
 * bench/goals.sh times it in front of /bin/true next to agent-sandbox: the
 * cost of starting one more dynamically linked program at all (exec, the
 * loader, glibc's start-up), which is the floor under agent-sandbox's
 * overhead whatever agent-sandbox itself does.
 */
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	execv(argv[1], argv + 1);
	return 127;
}

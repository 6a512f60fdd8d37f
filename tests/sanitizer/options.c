/* SPDX-License-Identifier: MIT */
/*
 * Linked into every program of a -Db_sanitize build (meson.build), never
 * into a normal one.  The sanitizer runtimes read these defaults before
 * main; ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS in the environment
 * still override them for a developer's own run.
 *
 * Built in rather than passed in the environment because the environment
 * does not reach every process a test starts: the suites run commands
 * under "env -i", and the helper clears its environment.
 *
 * abort_on_error: a finding ends the process with SIGABRT (status 134),
 * which no test expects; the runtimes' default exit status 1 is what a
 * refused request returns, so a test asserting a refusal could pass over
 * a finding.  The build also has -fno-sanitize-recover=all, so UBSan stops
 * at the first finding instead of printing and carrying on.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "abort_on_error=1:detect_leaks=1:check_initialization_order=1:"
	       "detect_stack_use_after_return=1:strict_string_checks=1";
}

const char *__ubsan_default_options(void)
{
	return "abort_on_error=1:halt_on_error=1:print_stacktrace=1";
}

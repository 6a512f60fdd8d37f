/* SPDX-License-Identifier: MIT */
/*
 * The two entry points every harness defines.  libFuzzer calls them when a
 * harness is built with -fsanitize=fuzzer (-Dfuzz=true, clang); replay.c
 * calls the same ones in the regular build, so every seed and every
 * regression input runs in CI (and under the sanitizer build) without clang.
 *
 * A harness aborts on any broken invariant; returning -1 means "input not
 * worth keeping" (libFuzzer then leaves it out of the corpus).
 */
#ifndef AS_FUZZ_H
#define AS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

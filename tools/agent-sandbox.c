/* SPDX-License-Identifier: MIT */
#include <stdio.h>
int main(void) { fputs("agent-sandbox: not implemented yet\n", stderr); return 125; }

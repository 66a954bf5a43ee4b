// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF-LSM backend, tested where it can load: tests/lsm/run.sh boots
 * Debian's 6.1 kernel in qemu (TCG) with a static rtguard and asserts -EPERM
 * for exec, open and connect there (tests/lsm/run.sh says how), then Debian
 * 12's 6.12 kernel, where the programs with direct BTF loads run (and the
 * verifier has no private stacks: the call chains must fit in 512 bytes).
 * Skips only when run.sh says qemu or the guest kernel cannot be had (exit
 * 77).
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define LSM_RUN "tests/lsm/run.sh"

static void run_guest(const char *cmd)
{
	char line[1024], *out = NULL, *skip = NULL, *grown;
	size_t len = 0, n;
	int status, code;
	FILE *p;

	if (geteuid() != 0)
		test_skip("needs root (reads /boot/vmlinuz-*, builds the guest)");
	if (access(LSM_RUN, X_OK))
		test_skip(LSM_RUN " not found: run test_progs from the "
			  "repository root");
	p = popen(cmd, "r");
	if (!ASSERT_TRUE(p != NULL, "popen " LSM_RUN))
		return;
	while (fgets(line, sizeof(line), p)) {
		n = strlen(line);
		grown = realloc(out, len + n + 1);
		if (!grown)
			break;
		out = grown;
		memcpy(out + len, line, n + 1);
		len += n;
		if (test_verbose)
			fputs(line, stdout);
		if (!strncmp(line, "lsm: SKIP: ", 11)) {
			free(skip);
			skip = strdup(line + 11);
		}
	}
	status = pclose(p);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (code == 77) {
		if (skip)
			skip[strcspn(skip, "\n")] = '\0';
		test_skip("%s", skip ? skip : "qemu guest cannot run here");
	}
	if (code != 0 && !test_verbose && out)
		fputs(out, stderr);
	ASSERT_EQ(code, 0, LSM_RUN " exit status");
	free(out);
	free(skip);
}

TEST_T(lsm_guest, 420)
{
	run_guest(LSM_RUN " 2>&1");
}

TEST_T(lsm_guest_612, 420)
{
	run_guest("RTG_LSM_SERIES=6.12 " LSM_RUN " 2>&1");
}

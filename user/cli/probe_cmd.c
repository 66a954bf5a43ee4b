// SPDX-License-Identifier: GPL-2.0
/* `rtguard probe [--output compact|json]`: the kernel feature table and the
 * mechanism chosen per hook. Exit 2 with a one-line reason when probing is
 * impossible (no privilege, no BTF, a kernel before 5.17). */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "json.h"
#include "log.h"
#include "probe.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtguard probe [--output compact|json]\n"
		"  Trial-loads every kernel mechanism rtguard may use and "
		"prints what works\n"
		"  and which mechanism each hook will use.\n"
		"  %s=feat,... marks features as not working (testing).\n",
		RTG_PROBE_DISABLE_ENV);
}

int cmd_probe(int argc, char **argv)
{
	struct json_writer *jw = NULL;
	const char *output = "compact";
	struct rtg_probe p;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--output") && i + 1 < argc) {
			output = argv[++i];
		} else if (!strncmp(argv[i], "--output=", 9)) {
			output = argv[i] + 9;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return RTG_EXIT_OK;
		} else {
			log_err("probe: unknown argument '%s'", argv[i]);
			usage(stderr);
			return RTG_EXIT_INPUT;
		}
	}
	if (strcmp(output, "compact") && strcmp(output, "json")) {
		log_err("probe: --output must be compact or json, not '%s'",
			output);
		return RTG_EXIT_INPUT;
	}

	err = probe_kernel(&p);
	if (err) {
		log_err("%s", p.error);
		return RTG_EXIT_KERNEL;
	}
	if (!strcmp(output, "json")) {
		jw = jw_new(stdout);
		if (!jw) {
			log_err("probe: out of memory");
			return RTG_EXIT_KERNEL;
		}
		probe_print_json(&p, jw);
		jw_newline(jw);
		jw_destroy(jw);
	} else {
		probe_print(&p, stdout);
	}
	fflush(stdout);
	return RTG_EXIT_OK;
}

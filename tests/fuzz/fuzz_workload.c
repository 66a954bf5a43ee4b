// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the workload parsers (user/lib/workload_parse.c): the
 * first byte picks the file format (config.json, config.v2.json,
 * containers.json, images.json), the rest is the file. The same bytes are
 * then parsed again, as the next format, into the same struct (the merge a
 * lookup does). Whatever comes out must hold the bounds workload.h
 * promises; everything is freed (LeakSanitizer).
 * `make fuzz-workload` (FUZZ_SECONDS, default 60), part of `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "workload.h"

#define ID  "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define IMG "d1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR); /* the warnings are expected, and slow */
	return 0;
}

static void check_str(const char *s)
{
	size_t i, n;

	if (!s)
		return;
	n = strlen(s);
	if (n > WORKLOAD_STR_MAX)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void check(const struct workload *w)
{
	size_t i;

	check_str(w->name);
	check_str(w->image);
	check_str(w->pod_name);
	check_str(w->pod_namespace);
	check_str(w->pod_uid);
	if (w->name && !w->name[0])
		abort(); /* unknown is NULL, never "" */
	if (w->nlabels > WORKLOAD_LABELS_MAX)
		abort();
	for (i = 0; i < w->nlabels; i++) {
		if (!w->labels[i].key[0] ||
		    !strncmp(w->labels[i].key, "io.kubernetes.", 14))
			abort();
		check_str(w->labels[i].key);
		check_str(w->labels[i].value);
	}
	if (strlen(w->id) != 64 ||
	    (w->image_id[0] && strlen(w->image_id) != 64) ||
	    (w->sandbox_id[0] && strlen(w->sandbox_id) != 64))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload w = {};
	enum workload_fmt fmt;

	if (!size)
		return 0;
	fmt = data[0] % WORKLOAD_FMT_COUNT;
	memcpy(w.id, ID, sizeof(w.id));
	memcpy(w.image_id, IMG, sizeof(w.image_id));
	workload_parse(fmt, (const char *)data + 1, size - 1, "fuzz", &w);
	check(&w);
	workload_parse((fmt + 1) % WORKLOAD_FMT_COUNT, (const char *)data + 1,
		       size - 1, "fuzz", &w);
	check(&w);
	workload_clear(&w);
	return 0;
}

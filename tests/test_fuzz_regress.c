// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests for what tests/fuzz/fuzz_decode.c found, in the style of
 * tests/test_output.c (render() of record_util.c): the record that
 * triggered the finding, decoded and written, with the property that must
 * hold. Also replays the committed
 * seed corpus of tests/fuzz/corpus/decode/ through the same decode+output
 * path as the harness (framing: u16 little-endian length, record bytes),
 * and holds the corpus to a seed that decodes for every record type.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "names.h"
#include "record_util.h"
#include "test.h"

static struct proc_cache *new_cache(void)
{
	struct proc_cache_opts o = { .nodename = "testnode",
				     .proc_root = "/nonexistent",
				     .max_entries = 8 };

	return proc_cache_new(&o);
}

/* fuzz_decode crash-04fa5072: an exec record with time_ns near INT64_MAX.
 * decoder_realtime() added the clock offset in int64_t: signed overflow
 * (UBSan: user/lib/decode.c decoder_realtime), and a negative wall time that
 * gmtime/strftime turned into a year before 1970. A record's time must give
 * a sane, non-negative timestamp whatever its value. */
TEST(fuzz_regress_realtime_overflow)
{
	_Alignas(8) unsigned char rec[256] = {};
	struct rtg_open *o = (struct rtg_open *)rec;
	struct proc_cache *pc = new_cache();
	struct decoder *d = pc ? decoder_new(pc) : NULL;
	struct rtg_event_view ev;
	char *line;

	if (!ASSERT_TRUE(d, "decoder"))
		return;
	decoder_set_clock_offset(d, 1795795200000000000ll);
	o->hdr.type = RTG_EV_OPEN;
	o->hdr.action = RTG_ACT_AUDIT;
	o->hdr.rule = RTG_RULE_NONE;
	o->hdr.time_ns = 0x7fffffffffffff00ull;
	o->hdr.pid = o->hdr.tid = 4242;
	o->path_len = 3;
	memcpy(o->path, "/x", 3);
	if (!ASSERT_OK(event_decode(d, rec, sizeof(*o) + 3, &ev), "decode"))
		return;
	ASSERT_TRUE(ev.realtime.tv_sec >= 0, "wall time not negative");
	ASSERT_TRUE(ev.realtime.tv_nsec >= 0 && ev.realtime.tv_nsec < 1000000000,
		    "nanoseconds in range");
	line = render(OUTPUT_JSON, &ev);
	if (ASSERT_TRUE(line, "rendered"))
		ASSERT_TRUE(!strncmp(line, "{\"time\":\"", 9) &&
				    line[9] >= '1' && line[9] <= '9' &&
				    line[13] == '-',
			    "time is a 4-digit year from 1970 on");
	free(line);
	decoder_free(d);
	proc_cache_free(pc);
}

/* A ptrace record whose tracee is the tracer's parent (the tracee of every
 * PTRACE_TRACEME record) running an image the cache has not seen: its exec
 * record lost, or not decoded yet because a deny record comes through the
 * other ring buffer. ptrace_target() learnt the tracee as a fork of its
 * own parent, which replaced, and freed, the cache entry the view's parent
 * pointed to; writing the event read it (ASan: heap-use-after-free in
 * output_json.c; a segfault without ASan). Likewise a tracee that is the
 * tracer. The view's process and parent must stay the cache's entries. */
TEST(fuzz_regress_ptrace_stale_tracee)
{
	static const struct proc_exec_info init = {
	    .pid = 1,
	    .exec_ktime = 500000000ull,
	    .binary = "/sbin/init",
	    .binary_len = 11,
	    .comm = "init",
	};
	static const struct {
		uint32_t pid, ppid;
		uint64_t parent_exec_ktime;
	} tracee[] = {{4100, 1, 500000000ull}, {4242, 4100, 1000000000ull}};
	struct fixture fx;
	struct rtg_more *m = (struct rtg_more *)fx.rec;
	struct rtg_hdr h;
	size_t i;
	char *line;

	for (i = 0; i < sizeof(tracee) / sizeof(tracee[0]); i++) {
		if (!fixture_cat(&fx) ||
		    !ASSERT_TRUE(proc_cache_exec(fx.pc, &init), "seed init"))
			return;
		h = m->hdr; /* cat's exec's */
		memset(m, 0, sizeof(*m));
		m->hdr = h;
		m->hdr.type = RTG_EV_PTRACE;
		m->op = RTG_PTRACE_TRACEME;
		m->ptrace.pid = tracee[i].pid;
		m->ptrace.ppid = tracee[i].ppid;
		m->ptrace.exec_ktime = 3000000000ull; /* another image */
		m->ptrace.parent_exec_ktime = tracee[i].parent_exec_ktime;
		if (!ASSERT_OK(fixture_decode(&fx, sizeof(*m)), "decode"))
			return;
		ASSERT_TRUE(fx.ev.proc == proc_cache_get(fx.pc, 4242),
			    "process: cat's entry");
		ASSERT_TRUE(fx.ev.parent == proc_cache_get(fx.pc, 4100),
			    "parent: bash's entry");
		ASSERT_TRUE(!fx.ev.more.target, "tracee unknown");
		line = render(OUTPUT_JSON, &fx.ev);
		ASSERT_STRCONTAINS(line, "\"binary\":\"/usr/bin/cat\"", "cat");
		ASSERT_STRCONTAINS(line, ID_4100, "bash's exec_id");
		free(line);
		fixture_fini(&fx);
	}
}

/* Every committed seed goes through decode and both outputs; each output
 * is one line and the JSON names the event's type. Every record type the
 * decoder takes (RTG_EV_EXEC up to RTG_EV_MAX but `lost`, which user space
 * makes) has a record in some seed that decodes: a new type needs seeds
 * (tests/fuzz/gen_decode_seeds.c). Run from the repository root (like the
 * other tests). */
TEST(fuzz_regress_decode_corpus)
{
	const char *dir = "tests/fuzz/corpus/decode";
	DIR *dh = opendir(dir);
	struct dirent *de;
	int files = 0, decoded[RTG_EV_MAX + 1] = {}, t;
	char what[64];

	if (!dh)
		test_skip("%s not found (run from the repository root)", dir);
	while ((de = readdir(dh))) {
		struct proc_cache *pc;
		struct decoder *d;
		unsigned char *data;
		char path[512];
		size_t size, pos = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		data = malloc(1 << 16);
		size = data ? fread(data, 1, 1 << 16, f) : 0;
		fclose(f);
		pc = new_cache();
		d = pc ? decoder_new(pc) : NULL;
		if (!ASSERT_TRUE(d, "decoder")) {
			free(data);
			break;
		}
		while (pos + 2 <= size) {
			size_t len = data[pos] | (size_t)data[pos + 1] << 8;
			struct rtg_event_view ev;
			void *rec;
			char *j, *c;

			pos += 2;
			if (len > size - pos)
				len = size - pos;
			rec = aligned_alloc(8, (len + 8) & ~(size_t)7);
			memcpy(rec, data + pos, len);
			pos += len;
			if (event_decode(d, len ? rec : NULL, len, &ev) == 0) {
				/* by the record's type (a unix connect is
				 * a connect event) */
				t = *(uint8_t *)rec;
				decoded[t < RTG_EV_MAX ? t : RTG_EV_MAX]++;
				j = render(OUTPUT_JSON, &ev);
				c = render(OUTPUT_COMPACT, &ev);
				ASSERT_TRUE(j && strchr(j, '\n') &&
						    !strchr(j, '\n')[1],
					    path);
				snprintf(what, sizeof(what), "\"type\":\"%s\"",
					 type_name(ev.type));
				ASSERT_STRCONTAINS(j, what, path);
				ASSERT_TRUE(c && strchr(c, '\n') &&
						    !strchr(c, '\n')[1],
					    path);
				free(j);
				free(c);
			}
			free(rec);
		}
		decoder_free(d);
		proc_cache_free(pc);
		free(data);
		files++;
	}
	closedir(dh);
	ASSERT_TRUE(files > 0, "seed corpus present");
	for (t = RTG_EV_EXEC; t < RTG_EV_MAX; t++) {
		if (t == RTG_EV_LOST)
			continue;
		snprintf(what, sizeof(what), "a seed of type %d (%s) decodes",
			 t, type_name(t));
		ASSERT_TRUE(decoded[t] > 0, what);
	}
	ASSERT_EQ(decoded[RTG_EV_LOST], 0, "a `lost` record does not decode");
	ASSERT_EQ(decoded[RTG_EV_MAX], 0, "an unknown type does not decode");
}

// SPDX-License-Identifier: GPL-2.0
/* The agent's command line (rtguard without a subcommand; README.md
 * "Commands" and doc/rtguard.8 document every flag). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "proc_cache.h"
#include "rotate.h"
#include "workload.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtguard [--policy FILE|DIR]... [--output compact|json]\n"
		"               [--output-file PATH] [--output-file-max-mb N]\n"
		"               [--output-file-keep K] [--metrics ADDR:PORT]\n"
		"               [--metrics-allow-remote] [--socket PATH|none]\n"
		"               [--dry-run] [--verbose] [--ringbuf-kb N]\n"
		"               [--bpf-stats]\n"
		"               [--pin-dir DIR] [--no-pin] [--keep-pins]\n"
		"               [--ancestors N] [--runtime-root NAME=DIR]...\n"
		"       rtguard --unpin [--pin-dir DIR]\n"
		"       rtguard probe | policy check FILE... | bench ... | "
		"events | status\n"
		"       rtguard --version | --help\n"
		"\n"
		"Without --policy the embedded default policy runs (exec, exit,\n"
		"connect of every process; opens of credentials and writes to\n"
		"system directories). See README.md and rtguard(8).\n");
}

/* --runtime-root NAME=DIR: DIR absolute, or "none" */
static int parse_runtime_root(const char *arg, struct agent_opts *o)
{
	const char *eq = strchr(arg, '=');
	char name[32];
	int r = -1;

	if (eq && (size_t)(eq - arg) < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		r = workload_root_parse(name);
	}
	if (r < 0) {
		log_err("--runtime-root: expected docker=DIR, containerd=DIR, containers=DIR or containers-run=DIR, got '%s'",
			arg);
		return -EINVAL;
	}
	if (!strcmp(eq + 1, "none")) {
		o->runtime_roots[r] = "";
	} else if (eq[1] != '/') {
		log_err("--runtime-root %s: expected an absolute path or 'none', got '%s'",
			name, eq + 1);
		return -EINVAL;
	} else {
		o->runtime_roots[r] = eq + 1;
	}
	return 0;
}

int agent_parse_opts(int argc, char **argv, struct agent_opts *o)
{
	enum { OPT_RINGBUF = 256, OPT_METRICS, OPT_SOCKET, OPT_MAXMB, OPT_KEEP,
	       OPT_PINDIR, OPT_NOPIN, OPT_KEEPPINS, OPT_UNPIN,
	       OPT_METRICS_REMOTE, OPT_ANCESTORS, OPT_RUNTIME_ROOT, OPT_BPF_STATS };
	static const struct option lopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-file", required_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF },
		{ "bpf-stats", no_argument, NULL, OPT_BPF_STATS },
		{ "pin-dir", required_argument, NULL, OPT_PINDIR },
		{ "no-pin", no_argument, NULL, OPT_NOPIN },
		{ "keep-pins", no_argument, NULL, OPT_KEEPPINS },
		{ "unpin", no_argument, NULL, OPT_UNPIN },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "metrics-allow-remote", no_argument, NULL, OPT_METRICS_REMOTE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "output-file-max-mb", required_argument, NULL, OPT_MAXMB },
		{ "output-file-keep", required_argument, NULL, OPT_KEEP },
		{ "ancestors", required_argument, NULL, OPT_ANCESTORS },
		{ "runtime-root", required_argument, NULL, OPT_RUNTIME_ROOT },
		{},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->output_format = -1;
	o->output_keep = ROTATE_KEEP_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:o:f:nvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->npolicy_paths >= AGENT_MAX_POLICY_PATHS) {
				log_err("--policy: at most %d paths",
					AGENT_MAX_POLICY_PATHS);
				return -EINVAL;
			}
			o->policy_paths[o->npolicy_paths++] = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json")) {
				o->output_format = OUTPUT_JSON;
			} else if (!strcmp(optarg, "compact")) {
				o->output_format = OUTPUT_COMPACT;
			} else {
				log_err("--output: expected 'compact' or 'json', got '%s'",
					optarg);
				return -EINVAL;
			}
			break;
		case 'f':
			o->output_file = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_PINDIR:
			o->pin_dir = optarg;
			break;
		case OPT_NOPIN:
			o->no_pin = true;
			break;
		case OPT_KEEPPINS:
			o->keep_pins = true;
			break;
		case OPT_UNPIN:
			o->unpin = true;
			break;
		case OPT_BPF_STATS:
			o->bpf_stats = true;
			break;
		case OPT_RINGBUF: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			/* a power of two of at least one page */
			if (*end || v < 4 || v > (1 << 20) || (v & (v - 1))) {
				log_err("--ringbuf-kb: expected a power of two from 4 to 1048576, got '%s'",
					optarg);
				return -EINVAL;
			}
			o->ringbuf_kb = v;
			break;
		}
		case OPT_METRICS:
			o->metrics_addr = optarg;
			break;
		case OPT_METRICS_REMOTE:
			o->metrics_allow_remote = true;
			break;
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_MAXMB:
			if (rotate_parse_mb(optarg, &o->output_max_bytes)) {
				log_err("--output-file-max-mb: expected a positive number of MiB, got '%s'",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_KEEP: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 || v > ROTATE_KEEP_MAX) {
				log_err("--output-file-keep: expected 0 to %d, got '%s'",
					ROTATE_KEEP_MAX, optarg);
				return -EINVAL;
			}
			o->output_keep = v;
			break;
		}
		case OPT_ANCESTORS: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 || v > RTG_ANCESTORS_MAX) {
				log_err("--ancestors: expected 0 to %d, got '%s'",
					RTG_ANCESTORS_MAX, optarg);
				return -EINVAL;
			}
			o->ancestors = v;
			break;
		}
		case OPT_RUNTIME_ROOT:
			if (parse_runtime_root(optarg, o))
				return -EINVAL;
			break;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see rtguard --help)",
			argv[optind]);
		return -EINVAL;
	}
	if (o->output_max_bytes && !o->output_file) {
		log_err("--output-file-max-mb needs --output-file");
		return -EINVAL;
	}
	if (o->metrics_addr) {
		struct sockaddr_storage ss;
		char err[256];

		if (metrics_parse_addr(o->metrics_addr, o->metrics_allow_remote,
				       &ss, err, sizeof(err))) {
			log_err("%s", err);
			return -EINVAL;
		}
	}
	return 0;
}

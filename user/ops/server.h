/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's unix socket (--socket PATH, default /run/rtguard/rtguard.sock,
 * mode 0600 in a 0700 directory): any number of subscribers get the event
 * stream, and `rtguard status` asks for the agent's state.
 *
 * Protocol: newline-terminated JSON. The client's first line is a request,
 *   {"cmd":"events","types":["exec","open"],"policy":"x","format":"json"}
 *   {"cmd":"events","namespace":"shop","pod":"web-7d9f","container":"web"}
 *   {"cmd":"status","format":"text","bpf_stats_ms":3000}
 * ("types", "policy", "namespace", "pod", "container", "format" and
 * "bpf_stats_ms" are optional; format "json" (default) or "compact" for
 * events, "json" or "text" for status; bpf_stats_ms samples the programs'
 * cost that long). namespace, pod and container keep the events of the
 * workloads whose pod namespace, pod name and container name (or id, or an
 * id prefix of at least 12 digits) are those; `lost` events always pass.
 * The agent answers
 * {"ok":true,"cmd":"events"} and then one event per line, exactly the lines
 * of the JSON output (or compact lines), rendered once per event and shared
 * by every subscriber; or the status (one JSON object or a text table) and
 * closes. A bad request gets {"ok":false,"error":"..."} and is closed.
 *
 * With "bpf_stats_ms" the status waits that long (at most
 * SERVER_SAMPLE_MS_MAX) and its program costs are what the programs did in
 * that time. The kernel's run-time statistics must be on meanwhile: the
 * client (`rtguard status --bpf-stats`, root) keeps them on while it
 * waits, since the agent no longer has CAP_SYS_ADMIN to do it.
 *
 * The agent never blocks on a client: sockets are non-blocking, every
 * subscriber has a bounded buffer (SERVER_CLIENT_BUF_MAX), and a subscriber
 * whose buffer would overflow is disconnected; the lines it lost are
 * counted (source "subscriber") and reported as a `lost` event.
 */
#ifndef RTG_SERVER_H
#define RTG_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "policy.h"

#define RTG_SOCKET_DEFAULT    "/run/rtguard/rtguard.sock"
#define SERVER_CLIENT_BUF_MAX (1u << 20)
#define SERVER_MAX_CLIENTS    256
#define SERVER_REQ_MAX	      4096
#define SOCK_NAME_MAX	      253 /* a workload filter (a pod name's limit) */
#define SERVER_SAMPLE_MS_MAX  60000

struct server;
struct output;
struct status_source;

/* Listens on path (NULL: the default path). A stale socket at path (no
 * agent answers) is replaced; a live one is not. With the default path a
 * failure is a warning and *out stays NULL (the agent runs without a
 * socket); with an explicit path it is an error: 0 or a negative errno,
 * logged. "none" turns the socket off. status says where `rtguard status`
 * takes its numbers from (copied; what it points at must outlive the
 * server). */
int server_start(struct server **out, const char *path,
		 const struct status_source *status);
void server_free(struct server *s); /* closes clients, removes the socket */

/* One fd for the agent's epoll set: readable when a client needs work. */
int server_fd(const struct server *s);
/* Accepts, reads requests, answers status, flushes buffers. */
void server_handle(struct server *s);
/* Answers the statuses whose sampling time is over; cheap when none
 * waits. Call it at least every 100 ms. */
void server_tick(struct server *s);
/* Fans ev out to the subscribers that want it. The JSON line is taken from
 * main_out when that output has just rendered ev as JSON. Cheap when there
 * are no subscribers (no allocation, no rendering). */
void server_publish(struct server *s, const struct rtg_event_view *ev,
		    const struct output *main_out);

uint32_t server_nsubs(const struct server *s); /* accept NULL */
uint64_t server_lost(const struct server *s);  /* total lines lost */
/* Lost lines not reported yet (for a `lost` event), and marks them
 * reported. */
uint64_t server_take_lost(struct server *s);

/* A request or a reply line: a flat JSON object whose values are strings,
 * booleans, numbers (ignored) or arrays of strings. */
struct sock_msg {
	char cmd[16];
	char format[16];
	char policy[RTG_NAME_MAX + 1];
	char ns[SOCK_NAME_MAX + 1], pod[SOCK_NAME_MAX + 1];
	char container[SOCK_NAME_MAX + 1]; /* "": any */
	uint32_t types; /* 1u << enum rtg_type; 0: all */
	uint32_t bpf_stats_ms; /* status: sample the programs' cost this long */
	bool has_ok, ok;
	char error[256];
};
/* 0, or -EINVAL with the reason in err (user/ops/sock_msg.c). */
int sock_msg_parse(const char *line, struct sock_msg *m, char *err,
		   size_t errlen);
/* An events subscription m keeps ev: its types, policy and workload
 * (namespace, pod, container name or id prefix of at least 12 digits)
 * filters; `lost` events pass every filter but types. */
bool sock_msg_wants(const struct sock_msg *m, const struct rtg_event_view *ev);

#endif

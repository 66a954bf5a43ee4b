/* SPDX-License-Identifier: GPL-2.0 */
/* A rule's clause in words and as JSON, for `rtguard policy check`
 * (user/cli/policy_show.c). */
#ifndef RTG_POLICY_SHOW_H
#define RTG_POLICY_SHOW_H

#include "policy.h"

struct json_writer;

/* "path is /etc/shadow and uid 0"; malloc'd, NULL on ENOMEM */
char *clause_text(const struct rtg_clause *c, int hook);
/* name: {key: values..., "text": clause_text()} */
void json_clause(struct json_writer *jw, const char *name,
		 const struct rtg_clause *c, int hook);

#endif

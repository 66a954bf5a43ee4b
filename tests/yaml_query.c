// SPDX-License-Identifier: GPL-2.0
/* A small query layer over libyaml documents (yaml_query.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "yaml_query.h"

int ydocs_load(const char *path, struct ydocs *y, char *err, size_t errlen)
{
	yaml_parser_t p;
	FILE *f = fopen(path, "re");
	int ret = 0;

	y->n = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	for (;;) {
		yaml_document_t *d = &y->d[y->n];

		if (!yaml_parser_load(&p, d)) {
			snprintf(err, errlen, "%s:%zu:%zu: %s", path,
				 p.problem_mark.line + 1,
				 p.problem_mark.column + 1,
				 p.problem ? p.problem : "parse error");
			ret = -EINVAL;
			break;
		}
		if (!yaml_document_get_root_node(d)) {
			yaml_document_delete(d); /* end of stream */
			break;
		}
		if (++y->n == MAX_DOCS) {
			snprintf(err, errlen, "more than %d documents",
				 MAX_DOCS);
			ret = -E2BIG;
			break;
		}
	}
	yaml_parser_delete(&p);
	fclose(f);
	return ret;
}

void ydocs_free(struct ydocs *y)
{
	int i;

	for (i = 0; i < y->n; i++)
		yaml_document_delete(&y->d[i]);
	y->n = 0;
}

const char *ystr(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE
		   ? (const char *)n->data.scalar.value
		   : NULL;
}

yaml_node_t *ykey(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *pr;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *k = ystr(yaml_document_get_node(d, pr->key));

		if (k && !strcmp(k, key))
			return yaml_document_get_node(d, pr->value);
	}
	return NULL;
}

yaml_node_t *yget(yaml_document_t *d, yaml_node_t *n, ...)
{
	const char *k;
	va_list ap;

	va_start(ap, n);
	while (n && (k = va_arg(ap, const char *)))
		n = ykey(d, n, k);
	va_end(ap);
	return n;
}

int ylen(yaml_node_t *s)
{
	return s && s->type == YAML_SEQUENCE_NODE
		   ? (int)(s->data.sequence.items.top -
			   s->data.sequence.items.start)
		   : 0;
}

yaml_node_t *yitem(yaml_document_t *d, yaml_node_t *s, int i)
{
	if (i >= ylen(s))
		return NULL;
	return yaml_document_get_node(d, s->data.sequence.items.start[i]);
}

yaml_node_t *yfind(yaml_document_t *d, yaml_node_t *s, const char *key,
		   const char *val)
{
	int i;

	for (i = 0; i < ylen(s); i++) {
		const char *v = ystr(ykey(d, yitem(d, s, i), key));

		if (v && !strcmp(v, val))
			return yitem(d, s, i);
	}
	return NULL;
}

yaml_document_t *ydoc_kind(struct ydocs *y, const char *kind)
{
	int i;

	for (i = 0; i < y->n; i++) {
		const char *k = ystr(ykey(
		    &y->d[i], yaml_document_get_root_node(&y->d[i]), "kind"));

		if (k && !strcmp(k, kind))
			return &y->d[i];
	}
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small query layer over libyaml documents, for the tests that check
 * YAML files (the Kubernetes manifests): every document of a file loaded
 * as a tree, mapping keys walked by name, sequences by index or by the
 * value of a key of their items.
 */
#ifndef RTG_YAML_QUERY_H
#define RTG_YAML_QUERY_H

#include <stddef.h>
#include <yaml.h>

#define MAX_DOCS 16

struct ydocs {
	yaml_document_t d[MAX_DOCS];
	int n;
};

/* Every document of path; 0, or -errno with the reason in err. */
int ydocs_load(const char *path, struct ydocs *y, char *err, size_t errlen);
void ydocs_free(struct ydocs *y);
/* The document whose `kind` is kind, or NULL. */
yaml_document_t *ydoc_kind(struct ydocs *y, const char *kind);
#define YROOT(d) yaml_document_get_root_node(d)

/* A scalar's text, or NULL. */
const char *ystr(yaml_node_t *n);
/* The value of key in mapping m, or NULL. */
yaml_node_t *ykey(yaml_document_t *d, yaml_node_t *m, const char *key);
/* Walk mapping keys: yget(d, n, "spec", "template", NULL). */
yaml_node_t *yget(yaml_document_t *d, yaml_node_t *n, ...);
/* The length of sequence s (0 if not a sequence). */
int ylen(yaml_node_t *s);
/* Item i of sequence s, or NULL. */
yaml_node_t *yitem(yaml_document_t *d, yaml_node_t *s, int i);
/* The item of sequence s whose key equals val. */
yaml_node_t *yfind(yaml_document_t *d, yaml_node_t *s, const char *key,
		   const char *val);

#endif

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "vsock_config.h"

static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static int
load_vm(yaml_document_t *doc, yaml_node_t *map, struct vsock_vm_args *vm, char *err,
	size_t err_len)
{
	yaml_node_pair_t *p;
	char msg[200];

	vsock_vm_defaults(vm);
	if (map->type != YAML_MAPPING_NODE) {
		snprintf(err, err_len, "line %lu: a VM must be a mapping of keys",
			 (unsigned long)map->start_mark.line + 1);
		return -1;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE ||
		    v->type != YAML_SCALAR_NODE) {
			snprintf(err, err_len, "line %lu: keys and values must be plain scalars",
				 (unsigned long)(k != NULL ? k->start_mark.line : 0) + 1);
			return -1;
		}
		if (vsock_vm_set(vm, (const char *)k->data.scalar.value,
				 (const char *)v->data.scalar.value, msg, sizeof(msg)) != 0) {
			snprintf(err, err_len, "line %lu: %s", (unsigned long)k->start_mark.line + 1,
				 msg);
			return -1;
		}
	}
	return 0;
}

int
vsock_config_load(const char *path, struct vsock_vm_args *vms, unsigned int max, char *err,
		  size_t err_len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *list;
	yaml_node_item_t *it;
	FILE *f = fopen(path, "r");
	int n = -1;

	if (f == NULL) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, err_len, "%s: line %lu: %s", path,
			 (unsigned long)parser.problem_mark.line + 1,
			 parser.problem != NULL ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		fclose(f);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	list = root != NULL && root->type == YAML_MAPPING_NODE ? map_get(&doc, root, "vms") : NULL;
	if (list == NULL || list->type != YAML_SEQUENCE_NODE) {
		snprintf(err, err_len, "%s: no 'vms:' list", path);
		goto out;
	}
	n = 0;
	for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		char msg[240];

		if ((unsigned int)n == max) {
			snprintf(err, err_len, "%s: more than %u VMs", path, max);
			n = -1;
			goto out;
		}
		if (load_vm(&doc, yaml_document_get_node(&doc, *it), &vms[n], msg,
			    sizeof(msg)) != 0) {
			snprintf(err, err_len, "%s: %s", path, msg);
			n = -1;
			goto out;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, err_len, "%s: the 'vms:' list is empty", path);
		n = -1;
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return n;
}

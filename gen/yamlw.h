/* emit: the deterministic YAML writer every emitter shares (block style, kustomize layout) */
#ifndef MF_YAMLW_H
#define MF_YAMLW_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"

/* A malloc-owned growable buffer; data is NUL-terminated once anything was
 * added.  After an allocation failure `oom` is set and further adds are
 * ignored.  The owner calls mf_buf_release(). */
typedef struct mf_buf {
	char *data;
	size_t len, cap;
	bool oom;
} mf_buf;

void mf_buf_init(mf_buf *b);
void mf_buf_release(mf_buf *b);
void mf_buf_add(mf_buf *b, const char *s, size_t n);
void mf_buf_puts(mf_buf *b, const char *s);
void mf_buf_printf(mf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append one block-style YAML document for `doc` (no leading "---"):
 * 2-space indent, sequence items at their parent key's indent
 * ("containers:\n- name: api"), "{}"/"[]" for empty collections, strings
 * plain only when every YAML 1.1/1.2 reader keeps them strings, else
 * double-quoted, or a literal block (|, |-, |+) for multi-line text.
 * MF_QUOTED strings are always quoted.  Numbers are written from their
 * values (canonical decimal ints, mf_fmt_float floats), not their source
 * text.  Returns 0, or -1 (buffer left as it was) on OOM, a NULL node, a
 * string that is not valid UTF-8, or a key too long for an implicit key. */
int mf_yaml_write(mf_buf *b, const mf_node *doc);
/* Several documents separated by "---\n" lines. */
int mf_yaml_write_stream(mf_buf *b, mf_node *const *docs, size_t n);

/* Append s as a JSON string literal ("..." with escapes; invalid UTF-8
 * becomes U+FFFD), for values.schema.json and SARIF. */
void mf_buf_json_str(mf_buf *b, const char *s);

/* True when s (n bytes) can be written as a plain YAML scalar and still be
 * read back as the same string by YAML 1.1 and 1.2 readers. */
bool mf_yaml_plain_safe(const char *s, size_t n);

#endif

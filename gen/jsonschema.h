/* schema: JSON Schema (draft-07 subset) validation on jansson + PCRE2 */
#ifndef MF_JSONSCHEMA_H
#define MF_JSONSCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Instance and schema nesting deeper than this is reported, not recursed into. */
#define MF_SCHEMA_MAX_DEPTH 256

typedef struct mf_schema mf_schema;

/* Compiles `root` (takes a reference; caller may json_decref its own).  On
 * error returns NULL and writes a message ("#/properties/x/pattern: ...")
 * into err.  Caller frees with mf_schema_free. */
mf_schema *mf_schema_new(json_t *root, char *err, size_t errlen);
void mf_schema_free(mf_schema *s);
/* With `on`, a real is never an integer, even 8080.0 (JSON Schema says it
 * is one; a YAML instance wrote a float).  Off by default. */
void mf_schema_strict_integers(mf_schema *s, bool on);

/* Optional: supplies documents that $ref names outside the schema, e.g.
 * "system.schema.json#/definitions/name" from a schema whose $id is
 * "https://manifold.dev/schemas/profile.schema.json".  Gets the absolute
 * URI without fragment ("https://manifold.dev/schemas/system.schema.json");
 * returns a new reference (the schema keeps it) or NULL if unknown.  Called
 * at most once per URI, only during mf_schema_new_ex. */
typedef json_t *(*mf_schema_loader_fn)(void *user, const char *uri);
/* mf_schema_new with a loader (load may be NULL: same as mf_schema_new). */
mf_schema *mf_schema_new_ex(json_t *root, mf_schema_loader_fn load, void *user, char *err,
			    size_t errlen);

typedef struct mf_schema_error {
	const char *
		pointer; /* JSON pointer into the instance ("/services/api/ports/0"), "" for root */
	const char *keyword; /* failing keyword: "type", "required", "additionalProperties", ... */
	const char
		*message; /* human message: lowercase, no final full stop, names in single quotes */
	const char *property; /* for required / additionalProperties / propertyNames / dependencies:
				 the key concerned, else NULL */
	const json_t *schema; /* the subschema holding the keyword (e.g. to list its "properties"
				 for "did you mean") */
} mf_schema_error;

typedef void (*mf_schema_error_fn)(void *user, const mf_schema_error *e);

/* Validates; calls fn for each error in document order (fn may be NULL);
 * returns the number of errors.  Strings in *e are valid only during the
 * callback.  Never exits/aborts; allocation failure counts as an error with
 * keyword "internal". */
size_t mf_schema_validate(const mf_schema *s, const json_t *instance, mf_schema_error_fn fn,
			  void *user);

/* Resolves "#/definitions/service" (URI fragment: %-escapes decoded),
 * "/definitions/service" (plain JSON pointer), "#anchor" or an $id-based
 * reference inside the schema document; NULL if absent. */
const json_t *mf_schema_lookup(const mf_schema *s, const char *pointer);

#endif

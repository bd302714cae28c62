/* render: mounts of the top-level volumes several services share (Compose; Kubernetes claims) */
#include <string.h>

#include "render.h"

/* The volume's entry under compose.yaml's top-level `volumes:`, once, with
 * the position of its declaration (which tells it from a storage's own). */
static mf_node *compose_definition(mf_ctx *c, mf_tb *tb, mf_node *volumes, const mf_volume *v,
				   mf_pos decl, int *rc)
{
	mf_node *def = mf_get(volumes, v->compose_volume);
	const char *name = mf_get_str(v->decl, "name");

	if (def && !mf_pos_eq(def->pos, decl)) {
		mf_diag_add(c, MF_SEV_ERROR, v->key_pos, "compose-volume-name",
			    "volume name '%s' of declared volume '%s' is already taken by a "
			    "storage of its own",
			    v->compose_volume, v->shared);
		*rc = -1;
		return NULL;
	}
	if (def || !(def = mf_tb_map(tb, decl)))
		return def;
	if (name)
		mf_tb_put_str(tb, def, "name", name, mf_get(v->decl, "name")->pos);
	if (v->external)
		mf_tb_put_bool(tb, def, "external", true, mf_get(v->decl, "external")->pos);
	mf_tb_put(tb, volumes, v->compose_volume, def);
	return def;
}

/* storage.NAME {volume, mount, readOnly, subPath}: the declared volume
 * (one per tenant unless `scope: shared`), the same one for every service
 * that names it.  `target` is the mount path as Compose must read it. */
int mf_compose_shared_mount(mf_ctx *c, mf_tb *tb, mf_node *volumes, const mf_volume *v,
			    mf_node *target, mf_node *mounts)
{
	const mf_node *ro = mf_get(v->node, "readOnly"), *sub = mf_get(v->node, "subPath");
	int rc = 0;
	mf_node *m;

	if (!compose_definition(c, tb, volumes, v, v->decl->pos, &rc) ||
	    !(m = mf_tb_map(tb, v->key_pos)))
		return rc;
	mf_tb_put_str(tb, m, "type", "volume", v->key_pos);
	mf_tb_put_str(tb, m, "source", v->compose_volume, v->key_pos);
	mf_tb_put(tb, m, "target", target);
	if (v->read_only)
		mf_tb_put_bool(tb, m, "read_only", true, ro->pos);
	if (mf_str(sub))
		mf_tb_put_str(tb, mf_tb_child(tb, m, "volume", sub->pos), "subpath", mf_str(sub),
			      sub->pos);
	mf_tb_push(tb, mounts, m);
	return rc;
}

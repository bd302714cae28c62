/* emit: velero/<env>/ for every environment that targets Velero: Schedules, kustomization */
#include <stdio.h>
#include "emit.h"

/* kustomization.yaml lists the Schedule files; objects keep their own
 * namespace (Velero's), so the kustomization sets none. */
static int add_kustomization(mf_ctx *c, mf_output *o, const mf_env *e, const char *const *files,
			     size_t n)
{
	mf_tb tb = {.a = c->a};
	mf_node *k = mf_tb_map(&tb, e->pos), *res;
	const char *path = mf_tb_printf(&tb, "velero/%s/kustomization.yaml", e->name);
	mf_buf b;

	mf_tb_put_str(&tb, k, "apiVersion", "kustomize.config.k8s.io/v1beta1", MF_NOPOS);
	mf_tb_put_str(&tb, k, "kind", "Kustomization", MF_NOPOS);
	res = mf_tb_child_seq(&tb, k, "resources", e->pos);
	for (size_t i = 0; i < n; i++)
		mf_tb_push(&tb, res, mf_tb_str(&tb, files[i], e->pos));
	if (tb.failed)
		return mf_error(c, e->pos, "internal", "out of memory");
	mf_buf_init(&b);
	if (mf_yaml_write(&b, k) < 0)
		b.oom = true;
	if (mf_output_add(c, o, path, &b) < 0) {
		mf_buf_release(&b);
		return -1;
	}
	return 0;
}

static int emit_env(mf_ctx *c, const mf_render_env *re, mf_output *o)
{
	const mf_objects objs = re->velero;
	const mf_env *e = re->env;
	mf_tb tb = {.a = c->a};
	const char **files = mf_tb_alloc(&tb, (objs.n + 1) * sizeof *files), *path;

	for (size_t i = 0; files && i < objs.n; i++) {
		const mf_object *obj = &objs.v[i];
		files[i] = mf_tb_printf(&tb, "%s.yaml", obj->name);
		path = mf_tb_printf(&tb, "velero/%s/%s", e->name, files[i]);
		if (tb.failed)
			break;
		if (mf_output_add_objects(c, o, path, &obj, 1) < 0)
			return -1;
	}
	if (tb.failed)
		return mf_error(c, e->pos, "internal", "out of memory");
	return add_kustomization(c, o, e, files, objs.n);
}

int mf_emit_velero(mf_ctx *c, const mf_rendered *r, mf_output *o)
{
	int rc = 0;

	for (size_t i = 0; i < r->nenvs; i++)
		if ((r->envs[i].env->targets & MF_T_VELERO) && emit_env(c, &r->envs[i], o) < 0)
			rc = -1;
	return rc;
}

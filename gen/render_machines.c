/* render: one Compose file per machine (environments.*.compose.machines: files) */
#include <string.h>
#include "render.h"

/* docs/compose.md "Several machines": services placed on machine M go to
 * compose.M.yaml, the rest to compose.yaml; a reference between two files
 * dials the other machine's address and the port it publishes there. */

bool mf_compose_same_host(const mf_instance *a, const mf_instance *b)
{
	if (!a->env->compose_split)
		return true;
	if (!a->machine || !b->machine)
		return !a->machine && !b->machine;
	return !strcmp(a->machine, b->machine);
}

/* An error at a cross-machine reference, naming the environment. */
static const char *unreachable(mf_ctx *c, const mf_instance *from, mf_severity sev, mf_pos pos,
			       const char *code, const char *what)
{
	mf_diag *g = mf_diag_add(c, sev, pos, code, "'%s' on machine '%s' refers to %s",
				 from->compose_name, mf_or(from->machine, "(none)"),
				 what ? what : "another machine");

	if (g)
		g->env = from->env->name;
	return NULL;
}

/* The port a reference dials: the one it names, else the first. */
static const mf_port *ref_port_of(const mf_instance *to, const mf_node *ref)
{
	const mf_node *name = mf_get(ref, "port"), *p = NULL;

	if (name)
		p = mf_port_of(to->spec, name, NULL);
	for (size_t k = 0; k < to->nports; k++)
		if (!name || to->ports[k].node == p)
			return &to->ports[k];
	return NULL;
}

static bool needs_port(const mf_node *ref)
{
	const char *fmt = mf_get_str(ref, "format");

	return fmt ? strstr(fmt, "{port}") != NULL : mf_get(ref, "port") != NULL;
}

static bool loopback(const char *ip)
{
	return ip && (!strncmp(ip, "127.", 4) || !strcmp(ip, "::1"));
}

/* A reference from `from` to `to` in another file: "{address}:{host port}";
 * NULL after an error (no machine, no address, a port not published). */
const char *mf_compose_remote_ref(mf_ctx *c, const mf_system *s, const mf_instance *from,
				  const mf_instance *to, const mf_node *ref)
{
	const mf_node *m = to->machine ? mf_system_section(s, "machines", to->machine) : NULL;
	const char *addr = mf_get_str(m, "address");
	const mf_port *p = needs_port(ref) ? ref_port_of(to, ref) : NULL;
	mf_pos pos = ref->pos;

	if (!to->machine)
		return unreachable(
			c, from, MF_SEV_ERROR, pos, "machine-unreachable",
			mf_printf(c->a,
				  "'%s', which has no machine: it runs from compose.yaml "
				  "on no known host; give it 'placement.machine'",
				  to->compose_name));
	if (!addr)
		return unreachable(c, from, MF_SEV_ERROR, pos, "machine-address",
				   mf_printf(c->a,
					     "'%s' on machine '%s', which has no 'address': set "
					     "'machines.%s.address' to its host name or IP",
					     to->compose_name, to->machine, to->machine));
	if (needs_port(ref) && (!p || p->published <= 0 || loopback(p->host_ip)))
		return unreachable(
			c, from, MF_SEV_ERROR, pos, "machine-unreachable",
			mf_printf(c->a,
				  "port '%s' of '%s' on machine '%s', which is not "
				  "published to other machines: publish it ('host: auto' "
				  "or a host port, on no loopback 'hostIP')",
				  p ? p->name : "?", to->compose_name, to->machine));
	return mf_ref_format(c, ref, addr, p ? p->published : 0, to->ns);
}

/* ---- the files ------------------------------------------------------------ */

/* Record "KIND\nNAME" for every volume, secret and network a service uses. */
static void mark(mf_tb *tb, mf_hash *used, char kind, const char *name)
{
	if (name)
		mf_tb_hash_put(tb, used, mf_tb_printf(tb, "%c\n%s", kind, name), (void *)name);
}

static void mark_uses(mf_tb *tb, mf_hash *used, const mf_node *svc)
{
	const mf_node *vols = mf_get(svc, "volumes"), *secs = mf_get(svc, "secrets");
	const mf_node *nets = mf_get(svc, "networks");

	for (size_t i = 0; vols && i < vols->n; i++) {
		const mf_node *v = vols->items[i];
		const char *src = mf_str(v);
		if (src)
			mark(tb, used, 'v', mf_tb_printf(tb, "%.*s", (int)strcspn(src, ":"), src));
		else
			mark(tb, used, 'v', mf_get_str(v, "source"));
	}
	for (size_t i = 0; secs && i < secs->n; i++)
		mark(tb, used, 's',
		     mf_str(secs->items[i]) ? mf_str(secs->items[i])
					    : mf_get_str(secs->items[i], "source"));
	for (size_t i = 0; nets && i < nets->n; i++)
		mark(tb, used, 'n',
		     nets->kind == MF_MAP ? nets->pairs[i].key : mf_str(nets->items[i]));
	if (!nets)
		mark(tb, used, 'n', "default");
}

/* The top-level section `key` of doc with only what the file's services use. */
static void put_used(mf_tb *tb, mf_node *out, const mf_node *doc, const char *key, char kind,
		     const mf_hash *used)
{
	const mf_node *all = mf_get(doc, key);
	mf_node *keep;

	if (!all || !(keep = mf_tb_map(tb, all->pos)))
		return;
	for (size_t i = 0; i < all->n; i++) {
		const char *k = mf_tb_printf(tb, "%c\n%s", kind, all->pairs[i].key);
		if (k && mf_hash_get_str(used, k))
			mf_tb_put(tb, keep, all->pairs[i].key, all->pairs[i].val);
	}
	mf_tb_put_nonempty(tb, out, key, keep);
}

/* {machine?, document} of one file, its services still to be added. */
static mf_node *file_for(mf_tb *tb, mf_node *files, const mf_env *e, const mf_instance *in,
			 const mf_node *doc)
{
	const char *path =
		in->machine ? mf_tb_printf(tb, "compose.%s.yaml", in->machine) : "compose.yaml";
	mf_node *f = path ? mf_get(files, path) : NULL, *d, *name;
	const char *project = mf_get_str(doc, "name");

	if (f || !path || !(f = mf_tb_child(tb, files, path, e->pos)))
		return f;
	if (in->machine)
		mf_tb_put_str(tb, f, "machine", in->machine, in->pos);
	d = mf_tb_child(tb, f, "document", e->pos);
	name = in->machine ? mf_tb_str(tb, mf_tb_printf(tb, "%s-%s", project, in->machine),
				       mf_get(doc, "name")->pos)
			   : mf_tb_copy(tb, mf_get(doc, "name"));
	mf_tb_put(tb, d, "name", name);
	mf_tb_child(tb, d, "services", e->pos);
	return f;
}

static void finish(mf_tb *tb, mf_node *f, const mf_node *doc)
{
	mf_node *d = mf_get(f, "document"), *svcs = mf_get(d, "services");
	mf_hash used = {0};

	mf_map_sort(svcs);
	for (size_t i = 0; svcs && i < svcs->n; i++)
		mark_uses(tb, &used, svcs->pairs[i].val);
	put_used(tb, d, doc, "volumes", 'v', &used);
	put_used(tb, d, doc, "secrets", 's', &used);
	put_used(tb, d, doc, "networks", 'n', &used);
}

mf_node *mf_compose_machine_files(mf_ctx *c, const mf_env *e, const mf_node *doc)
{
	mf_tb tb = {.a = c->a};
	mf_node *files = mf_tb_map(&tb, e->pos);
	const mf_node *svcs = mf_get(doc, "services");

	for (size_t i = 0; files && i < e->ninst; i++) {
		const mf_instance *in = &e->inst[i];
		mf_node *f = file_for(&tb, files, e, in, doc);
		mf_node *svc = mf_get(svcs, in->compose_name);
		if (f && svc)
			mf_tb_put(&tb, mf_get(mf_get(f, "document"), "services"), in->compose_name,
				  svc);
	}
	for (size_t i = 0; files && i < files->n; i++)
		finish(&tb, files->pairs[i].val, doc);
	mf_map_sort(files);
	if (tb.failed)
		return mf_error(c, e->pos, "internal", "out of memory splitting '%s' by machine",
				e->name),
		       NULL;
	return files;
}

/* ---- placement ------------------------------------------------------------ */

/* Required anti-affinity gives every replica a node of its own; pinned to
 * one machine (where the machine is honoured: Kubernetes, or one Compose
 * file per machine) only one of them can run. */
static void pinned_replicas(mf_ctx *c, const mf_env *e, const mf_instance *in, int *rc)
{
	const mf_node *v = mf_path(in->spec, "availability.antiAffinity");
	/* Kubernetes' autoscaler goes up to the maximum; Compose runs `replicas` */
	long long n = e->targets & (MF_T_KUSTOMIZE | MF_T_HELM) ? in->max_replicas : in->replicas;
	const char *say = n > in->replicas ? "up to " : "";
	mf_diag *d;

	if (!in->machine || !v || !mf_str(v) || strcmp(mf_str(v), "required") || n < 2)
		return;
	d = mf_diag_add(c, MF_SEV_ERROR, v->pos, "availability-placement",
			"'%s' asks for %s%lld replicas on different nodes in '%s', but is pinned "
			"to machine '%s': one node, so only one can run; lower the replicas, make "
			"'antiAffinity' preferred or drop 'placement.machine'",
			in->compose_name, say, n, e->name, in->machine);
	if (d)
		d->env = e->name;
	*rc = -1;
}

int mf_check_placement(mf_ctx *c, const mf_env *e)
{
	int rc = 0;

	if (e->is_base || !((e->targets & (MF_T_KUSTOMIZE | MF_T_HELM)) || e->compose_split))
		return 0;
	for (size_t i = 0; i < e->ninst; i++)
		pinned_replicas(c, e, &e->inst[i], &rc);
	return rc;
}

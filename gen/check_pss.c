/* check: the Pod Security Standards (baseline, restricted) and other security rules on pods */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "check_impl.h"

/* ---- shared ------------------------------------------------------------------ */

/* "CAP_NET_ADMIN" and "net_admin" are NET_ADMIN, as the runtime reads them. */
static const char *cap_name(mf_chk *k, const char *s)
{
	char *out;

	if (!strncasecmp(s, "CAP_", 4))
		s += 4;
	out = mf_strdup(k->c->a, s);
	for (char *p = out; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return out ? out : s;
}

/* A rule on one field of each container (ct) and maybe of the pod (ct
 * NULL): v is the field's value (NULL when unset), `field` its path below
 * the container or the pod spec. */
typedef void field_rule(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field);

/* rule over `field` ("securityContext.procMount") of every container, after
 * the pod spec's own when `pod` */
static void each_field(mf_chk *k, const char *field, bool pod, field_rule *rule)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	if (pod)
		rule(k, NULL, mf_path(k->pod->spec, field), field);
	for (size_t i = 0; i < n; i++)
		rule(k, &cs[i], mf_path(cs[i].node, field), field);
}

/* Where `field` (plus `suffix`) is in the rendered object, for findings. */
static const char *field_path(mf_chk *k, const mf_ctr *ct, const char *field, const char *suffix)
{
	return mf_printf(k->c->a, "%s.%s%s", ct ? ct->path : k->pod->base, field, suffix);
}

/* ---- baseline --------------------------------------------------------------- */

/* spec.hostNetwork, spec.hostPID, spec.hostIPC */
static void host_namespaces(mf_chk *k)
{
	static const struct {
		const char *field, *what;
	} ns[] = {{"hostNetwork", "network"}, {"hostPID", "process (PID)"}, {"hostIPC", "IPC"}};
	const mf_pod *p = k->pod;

	for (size_t i = 0; i < MF_NELEM(ns); i++) {
		const mf_node *v = mf_get(p->spec, ns[i].field);
		if (mf_is_true(v))
			mf_finding(k, MF_RULE_HOST_NAMESPACES, mf_chk_at(k, v),
				   mf_printf(k->c->a, "%s.%s", p->base, ns[i].field),
				   "%s shares the node's %s namespace ('%s')", mf_chk_who(k, NULL),
				   ns[i].what, ns[i].field);
	}
}

static void host_process(mf_chk *k, const mf_ctr *ct)
{
	const char *path;
	const mf_node *wo = mf_sec_field(k, k->pod, ct, "windowsOptions", &path);
	const mf_node *hp = mf_get(wo, "hostProcess");

	if (mf_is_true(hp))
		mf_finding(k, MF_RULE_PRIVILEGED, mf_chk_at(k, hp),
			   mf_printf(k->c->a, "%s.hostProcess", path),
			   "%s runs as a Windows HostProcess container", mf_chk_who(k, ct));
}

static void privileged_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (mf_is_true(v))
		mf_finding(k, MF_RULE_PRIVILEGED, mf_chk_at(k, v), field_path(k, ct, field, ""),
			   "%s runs privileged", mf_chk_who(k, ct));
	host_process(k, ct);
}

/* containers[].securityContext.privileged, windowsOptions.hostProcess */
static void privileged(mf_chk *k)
{
	each_field(k, "securityContext.privileged", false, privileged_at);
}

static const char *const baseline_caps[] = {
	"AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
static const char *const restricted_caps[] = {"NET_BIND_SERVICE"};

static void cap_finding(mf_chk *k, const mf_ctr *ct, const mf_node *item, size_t i, const char *cap,
			bool hostnet)
{
	const char *path =
		mf_printf(k->c->a, "%s.securityContext.capabilities.add[%zu]", ct->path, i);
	const char *who = mf_chk_who(k, ct);

	if (hostnet)
		mf_finding(k, MF_RULE_CAPABILITIES_ADDED, mf_chk_at(k, item), path,
			   "%s adds capability '%s' on the host network", who, cap);
	else if (k->level == MF_LEVEL_RESTRICTED)
		mf_finding(k, MF_RULE_CAPABILITIES_ADDED, mf_chk_at(k, item), path,
			   "%s adds capability '%s' (restricted allows only 'NET_BIND_SERVICE')",
			   who, cap);
	else
		mf_finding(k, MF_RULE_CAPABILITIES_ADDED, mf_chk_at(k, item), path,
			   "%s adds capability '%s', which is not in the baseline allow-list", who,
			   cap);
}

/* containers[].securityContext.capabilities.add */
static void capabilities_added(mf_chk *k)
{
	bool hostnet = mf_is_true(mf_get(k->pod->spec, "hostNetwork"));
	bool restricted = k->level == MF_LEVEL_RESTRICTED;
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *add = mf_path(cs[i].node, "securityContext.capabilities.add");
		for (size_t j = 0; add && add->kind == MF_SEQ && j < add->n; j++) {
			const char *cap =
				mf_str(add->items[j]) ? cap_name(k, mf_str(add->items[j])) : NULL;
			bool ok = restricted ? MF_IN_LIST(cap, restricted_caps)
					     : MF_IN_LIST(cap, baseline_caps);
			if (cap && (!ok || hostnet))
				cap_finding(k, &cs[i], add->items[j], j, cap, hostnet);
		}
	}
}

/* spec.volumes[].hostPath */
static void host_path(mf_chk *k)
{
	const mf_node *vols = mf_get(k->pod->spec, "volumes");

	for (size_t i = 0; vols && vols->kind == MF_SEQ && i < vols->n; i++) {
		const mf_node *hp = mf_get(vols->items[i], "hostPath");
		const mf_node *at = mf_get(hp, "path");
		if (!hp)
			continue;
		mf_finding(k, MF_RULE_HOST_PATH, mf_chk_at(k, at ? at : hp),
			   mf_printf(k->c->a, "%s.volumes[%zu].hostPath", k->pod->base, i),
			   "%s mounts '%s' of the node (hostPath volume '%s')", mf_chk_who(k, NULL),
			   mf_or(mf_str(at), "?"), mf_or(mf_get_str(vols->items[i], "name"), "?"));
	}
}

/* containers[].ports[].hostPort */
static void host_ports(mf_chk *k)
{
	size_t n;
	mf_ctr *cs;

	/* publishing a port is how Compose exposes a service; only a
	 * Kubernetes hostPort takes the node's port outside the platform */
	if (k->pod->compose)
		return;
	cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *ports = mf_get(cs[i].node, "ports");
		for (size_t j = 0; ports && ports->kind == MF_SEQ && j < ports->n; j++) {
			const mf_node *hp = mf_get(ports->items[j], "hostPort");
			if (hp && hp->kind == MF_INT && hp->v.i > 0)
				mf_finding(
					k, MF_RULE_HOST_PORTS, mf_chk_at(k, hp),
					mf_printf(k->c->a, "%s.ports[%zu].hostPort", cs[i].path, j),
					"%s binds port %lld of the node (hostPort)",
					mf_chk_who(k, &cs[i]), hp->v.i);
		}
	}
}

static void apparmor_field(mf_chk *k, const mf_ctr *ct, const mf_node *prof, const char *field)
{
	const mf_node *type = mf_get(prof, "type");
	const char *t = mf_str(type);

	if (t && strcmp(t, "RuntimeDefault") && strcmp(t, "Localhost"))
		mf_finding(k, MF_RULE_APPARMOR, mf_chk_at(k, type),
			   field_path(k, ct, field, ".type"),
			   "%s runs without AppArmor (profile '%s')", mf_chk_who(k, ct), t);
}

/* metadata.annotations[container.apparmor.security.beta.kubernetes.io/NAME],
 * appArmorProfile.type */
static void apparmor(mf_chk *k)
{
	static const char prefix[] = "container.apparmor.security.beta.kubernetes.io/";
	const mf_node *ann = mf_get(k->pod->meta, "annotations");

	for (size_t i = 0; ann && ann->kind == MF_MAP && i < ann->n; i++) {
		const char *v = mf_str(ann->pairs[i].val);
		if (strncmp(ann->pairs[i].key, prefix, sizeof prefix - 1) || !v || !*v ||
		    !strcmp(v, "runtime/default") || !strncmp(v, "localhost/", 10))
			continue;
		mf_finding(k, MF_RULE_APPARMOR, mf_chk_at(k, ann->pairs[i].val),
			   mf_printf(k->c->a, "%s.annotations[\"%s\"]", k->pod->meta_base,
				     ann->pairs[i].key),
			   "container '%s' of '%s' runs without AppArmor (profile '%s')",
			   ann->pairs[i].key + sizeof prefix - 1, mf_chk_name(k), v);
	}
	each_field(k, "securityContext.appArmorProfile", true, apparmor_field);
}

static void selinux_field(mf_chk *k, const mf_ctr *ct, const mf_node *opts, const char *field)
{
	static const char *const types[] = {"", "container_t", "container_init_t",
					    "container_kvm_t", "container_engine_t"};
	static const char *const fields[] = {"user", "role"};
	const mf_node *type = mf_get(opts, "type");

	if (type && mf_str(type) && !MF_IN_LIST(mf_str(type), types))
		mf_finding(k, MF_RULE_SELINUX, mf_chk_at(k, type),
			   field_path(k, ct, field, ".type"), "%s sets SELinux type '%s'",
			   mf_chk_who(k, ct), mf_str(type));
	for (size_t i = 0; i < MF_NELEM(fields); i++) {
		const mf_node *v = mf_get(opts, fields[i]);
		if (mf_str(v) && *mf_str(v))
			mf_finding(k, MF_RULE_SELINUX, mf_chk_at(k, v),
				   field_path(k, ct, field, mf_printf(k->c->a, ".%s", fields[i])),
				   "%s sets SELinux %s '%s'", mf_chk_who(k, ct), fields[i],
				   mf_str(v));
	}
}

/* securityContext.seLinuxOptions of the pod and of every container */
static void selinux(mf_chk *k)
{
	each_field(k, "securityContext.seLinuxOptions", true, selinux_field);
}

static void proc_mount_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (mf_str(v) && strcmp(mf_str(v), "Default"))
		mf_finding(k, MF_RULE_PROC_MOUNT, mf_chk_at(k, v), field_path(k, ct, field, ""),
			   "%s mounts /proc '%s'", mf_chk_who(k, ct), mf_str(v));
}

/* containers[].securityContext.procMount */
static void proc_mount(mf_chk *k)
{
	each_field(k, "securityContext.procMount", false, proc_mount_at);
}

static void unconfined_at(mf_chk *k, const mf_ctr *ct, const mf_node *prof, const char *field)
{
	const mf_node *type = mf_get(prof, "type");

	if (mf_str(type) && !strcmp(mf_str(type), "Unconfined"))
		mf_finding(k, MF_RULE_SECCOMP_UNCONFINED, mf_chk_at(k, type),
			   field_path(k, ct, field, ".type"),
			   "%s runs without seccomp (profile 'Unconfined')", mf_chk_who(k, ct));
}

/* securityContext.seccompProfile.type of the pod and every container */
static void seccomp_unconfined(mf_chk *k)
{
	each_field(k, "securityContext.seccompProfile", true, unconfined_at);
}

/* spec.securityContext.sysctls[].name */
static void sysctls_unsafe(mf_chk *k)
{
	static const char *const safe[] = {
		"kernel.shm_rmid_forced",           "net.ipv4.ip_local_port_range",
		"net.ipv4.ip_local_reserved_ports", "net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.tcp_syncookies",          "net.ipv4.ping_group_range",
		"net.ipv4.tcp_keepalive_time",      "net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl",     "net.ipv4.tcp_keepalive_probes"};
	const mf_node *s = mf_path(k->pod->spec, "securityContext.sysctls");

	for (size_t i = 0; s && s->kind == MF_SEQ && i < s->n; i++) {
		const mf_node *name = mf_get(s->items[i], "name");
		if (mf_str(name) && !MF_IN_LIST(mf_str(name), safe))
			mf_finding(k, MF_RULE_SYSCTLS_UNSAFE, mf_chk_at(k, name),
				   mf_printf(k->c->a, "%s.securityContext.sysctls[%zu].name",
					     k->pod->base, i),
				   "%s sets sysctl '%s', which is not in the safe set",
				   mf_chk_who(k, NULL), mf_str(name));
	}
}

/* ---- restricted ------------------------------------------------------------- */

/* spec.volumes[]: the kind of each volume is its one key besides `name` */
static void volume_types(mf_chk *k)
{
	static const char *const allowed[] = {"configMap", "csi",       "downwardAPI",
					      "emptyDir",  "ephemeral", "persistentVolumeClaim",
					      "projected", "secret",    "name"};
	const mf_node *vols = mf_get(k->pod->spec, "volumes");

	for (size_t i = 0; vols && vols->kind == MF_SEQ && i < vols->n; i++) {
		const mf_node *v = vols->items[i];
		for (size_t j = 0; v->kind == MF_MAP && j < v->n; j++) {
			const char *type = v->pairs[j].key;
			if (MF_IN_LIST(type, allowed) ||
			    (!strcmp(type, "hostPath") && k->on[MF_RULE_HOST_PATH]))
				continue;
			mf_finding(
				k, MF_RULE_VOLUME_TYPES, mf_chk_at(k, v->pairs[j].val),
				mf_printf(k->c->a, "%s.volumes[%zu].%s", k->pod->base, i, type),
				"%s uses a '%s' volume ('%s'), which the restricted standard does "
				"not allow",
				mf_chk_who(k, NULL), type, mf_or(mf_get_str(v, "name"), "?"));
		}
	}
}

static void escalation_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (!mf_is_false(v))
		mf_finding(k, MF_RULE_PRIVILEGE_ESCALATION, mf_chk_at(k, v ? v : ct->node),
			   field_path(k, ct, field, ""),
			   "%s allows privilege escalation (allowPrivilegeEscalation is not false)",
			   mf_chk_who(k, ct));
}

/* containers[].securityContext.allowPrivilegeEscalation must be false */
static void privilege_escalation(mf_chk *k)
{
	each_field(k, "securityContext.allowPrivilegeEscalation", false, escalation_at);
}

/* runAsNonRoot: the container's, else the pod's, must be true */
static void run_as_non_root(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const char *path;
		const mf_node *v = mf_sec_field(k, k->pod, &cs[i], "runAsNonRoot", &path);
		if (!mf_is_true(v))
			mf_finding(k, MF_RULE_RUN_AS_NON_ROOT, mf_chk_at(k, v ? v : cs[i].node),
				   path, "%s may run as root (runAsNonRoot is not true)",
				   mf_chk_who(k, &cs[i]));
	}
}

static void root_user_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (v && v->kind == MF_INT && v->v.i == 0)
		mf_finding(k, MF_RULE_RUN_AS_ROOT_USER, mf_chk_at(k, v),
			   field_path(k, ct, field, ""), "%s runs as user 0 (root)",
			   mf_chk_who(k, ct));
}

/* runAsUser: 0 on the pod or on a container */
static void run_as_root_user(mf_chk *k)
{
	each_field(k, "securityContext.runAsUser", true, root_user_at);
}

/* seccompProfile.type: the container's, else the pod's, is RuntimeDefault or Localhost */
static void seccomp_required(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const char *path;
		const mf_node *prof = mf_sec_field(k, k->pod, &cs[i], "seccompProfile", &path);
		const char *t = mf_get_str(prof, "type");
		if (t && (!strcmp(t, "RuntimeDefault") || !strcmp(t, "Localhost")))
			continue;
		if (t && !strcmp(t, "Unconfined") && k->on[MF_RULE_SECCOMP_UNCONFINED])
			continue;
		mf_finding(k, MF_RULE_SECCOMP_REQUIRED, mf_chk_at(k, prof ? prof : cs[i].node),
			   path, "%s has no seccomp profile (RuntimeDefault or Localhost)",
			   mf_chk_who(k, &cs[i]));
	}
}

/* containers[].securityContext.capabilities.drop must hold ALL */
static void capabilities_drop_all(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *drop = mf_path(cs[i].node, "securityContext.capabilities.drop");
		bool all = false;
		for (size_t j = 0; drop && drop->kind == MF_SEQ && j < drop->n; j++)
			all |= mf_str(drop->items[j]) &&
			       !strcmp(cap_name(k, mf_str(drop->items[j])), "ALL");
		if (!all)
			mf_finding(k, MF_RULE_CAPABILITIES_DROP_ALL,
				   mf_chk_at(k, drop ? drop : cs[i].node),
				   mf_printf(k->c->a, "%s.securityContext.capabilities.drop",
					     cs[i].path),
				   "%s does not drop ALL capabilities", mf_chk_who(k, &cs[i]));
	}
}

static void read_only_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (!mf_is_true(v))
		mf_finding(k, MF_RULE_READ_ONLY_ROOT_FS, mf_chk_at(k, v ? v : ct->node),
			   field_path(k, ct, field, ""), "%s has a writable root file system",
			   mf_chk_who(k, ct));
}

/* containers[].securityContext.readOnlyRootFilesystem */
static void read_only_root_fs(mf_chk *k)
{
	each_field(k, "securityContext.readOnlyRootFilesystem", false, read_only_at);
}

/* The pod's service account may switch the token off for every pod. */
static bool account_says_no(mf_chk *k, const char *account)
{
	const mf_object *sa =
		k->pod->obj ? mf_find_object(k, "ServiceAccount", account, k->pod->obj) : NULL;

	return sa && mf_is_false(mf_get(sa->doc, "automountServiceAccountToken"));
}

/* spec.automountServiceAccountToken, or the ServiceAccount's */
static void automount_token(mf_chk *k)
{
	const mf_node *v = mf_get(k->pod->spec, "automountServiceAccountToken");
	const char *account = mf_get_str(k->pod->spec, "serviceAccountName");

	if (k->pod->compose || mf_is_false(v))
		return;
	if (!v && account_says_no(k, account ? account : "default"))
		return;
	mf_finding(k, MF_RULE_AUTOMOUNT_TOKEN, mf_chk_at(k, v),
		   mf_printf(k->c->a, "%s.automountServiceAccountToken", k->pod->base),
		   "%s mounts its service account token", mf_chk_who(k, NULL));
}

const mf_rule_impl mf_pss_rules[] = {
	{MF_RULE_HOST_NAMESPACES, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, host_namespaces},
	{MF_RULE_PRIVILEGED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, privileged},
	{MF_RULE_CAPABILITIES_ADDED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, capabilities_added},
	{MF_RULE_HOST_PATH, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, host_path},
	{MF_RULE_HOST_PORTS, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, host_ports},
	{MF_RULE_APPARMOR, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, apparmor},
	{MF_RULE_SELINUX, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, selinux},
	{MF_RULE_PROC_MOUNT, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, proc_mount},
	{MF_RULE_SECCOMP_UNCONFINED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, seccomp_unconfined},
	{MF_RULE_SYSCTLS_UNSAFE, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, sysctls_unsafe},
	{MF_RULE_VOLUME_TYPES, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, volume_types},
	{MF_RULE_PRIVILEGE_ESCALATION, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, privilege_escalation},
	{MF_RULE_RUN_AS_NON_ROOT, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, run_as_non_root},
	{MF_RULE_RUN_AS_ROOT_USER, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, run_as_root_user},
	{MF_RULE_SECCOMP_REQUIRED, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, seccomp_required},
	{MF_RULE_CAPABILITIES_DROP_ALL, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT,
	 capabilities_drop_all},
	{MF_RULE_READ_ONLY_ROOT_FS, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, read_only_root_fs},
	{MF_RULE_AUTOMOUNT_TOKEN, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, automount_token},
};
const size_t mf_pss_nrules = MF_NELEM(mf_pss_rules);

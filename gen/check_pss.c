/* check: the Pod Security Standards (baseline, restricted) and other security rules on pods */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "check_impl.h"

/* ---- shared ------------------------------------------------------------------ */

/* Whether the Pod Security Standards release the packs chose (pssVersion, the
 * newest by default) has a check as of 1.minor. */
static bool since(const mf_chk *k, int minor)
{
	return k->pss >= minor;
}

static bool windows_pod(const mf_chk *k)
{
	const char *os = mf_get_str(mf_get(k->pod->spec, "os"), "name");

	return os && !strcmp(os, "windows");
}

/* From 1.25 the restricted checks of Linux-only fields (seccomp, capabilities,
 * privilege escalation) skip Windows pods: the API server refuses those fields there. */
static bool windows_exempt(const mf_chk *k)
{
	return since(k, 25) && windows_pod(k);
}

/* hostUsers: false runs the pod in a user namespace, where its root and its /proc
 * are not the node's: from 1.35 the standard relaxes the checks that guard those. */
static bool user_namespace(const mf_chk *k)
{
	return since(k, 35) && mf_is_false(mf_get(k->pod->spec, "hostUsers"));
}

/* Kubernetes hands capability names to the runtime as written and the admission
 * controller compares them exactly: "chown" and "CAP_CHOWN" are not CHOWN.  Docker
 * folds case and drops "CAP_", so in Compose "net_admin" is NET_ADMIN. */
static const char *cap_folded(mf_chk *k, const char *s)
{
	char *out;

	if (!strncasecmp(s, "CAP_", 4))
		s += 4;
	out = mf_strdup(k->c->a, s);
	for (char *p = out; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return out ? out : s;
}

static const char *cap_name(mf_chk *k, const char *s)
{
	return k->pod->compose ? cap_folded(k, s) : s;
}

/* "chown" or "CAP_CHOWN" where CHOWN was meant: say why it does not count. */
static void cap_note(mf_chk *k, mf_diag *d, const char *cap, const char *meant)
{
	if (d && meant && strcmp(cap, meant))
		mf_diag_note(k->c, d,
			     "Kubernetes compares capability names exactly: did you mean '%s'?",
			     meant);
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

/* Reported where it is set: a container's `windowsOptions: {}` does not hide the
 * pod's hostProcess (Kubernetes merges windowsOptions field by field). */
static void host_process_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (mf_is_true(v))
		mf_finding(k, MF_RULE_PRIVILEGED, mf_chk_at(k, v), field_path(k, ct, field, ""),
			   ct ? "%s runs as a Windows HostProcess container"
			      : "%s runs its containers as Windows HostProcess containers",
			   mf_chk_who(k, ct));
}

static void privileged_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (mf_is_true(v))
		mf_finding(k, MF_RULE_PRIVILEGED, mf_chk_at(k, v), field_path(k, ct, field, ""),
			   "%s runs privileged", mf_chk_who(k, ct));
}

/* containers[].securityContext.privileged, windowsOptions.hostProcess of the pod
 * and of every container */
static void privileged(mf_chk *k)
{
	each_field(k, "securityContext.privileged", false, privileged_at);
	each_field(k, "securityContext.windowsOptions.hostProcess", true, host_process_at);
}

static const char *const baseline_caps[] = {
	"AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
static const char *const restricted_caps[] = {"NET_BIND_SERVICE"};

static bool cap_allowed(const mf_chk *k, const char *cap)
{
	if (k->level == MF_LEVEL_RESTRICTED && since(k, 22))
		return MF_IN_LIST(cap, restricted_caps);
	return MF_IN_LIST(cap, baseline_caps);
}

static void cap_finding(mf_chk *k, const mf_ctr *ct, const mf_node *item, size_t i, const char *cap,
			bool hostnet)
{
	const char *path =
		mf_printf(k->c->a, "%s.securityContext.capabilities.add[%zu]", ct->path, i);
	const char *who = mf_chk_who(k, ct), *meant = cap_folded(k, cap);
	mf_diag *d;

	if (hostnet)
		d = mf_finding(k, MF_RULE_CAPABILITIES_ADDED, mf_chk_at(k, item), path,
			       "%s adds capability '%s' on the host network", who, cap);
	else if (k->level == MF_LEVEL_RESTRICTED && since(k, 22))
		d = mf_finding(
			k, MF_RULE_CAPABILITIES_ADDED, mf_chk_at(k, item), path,
			"%s adds capability '%s' (restricted allows only 'NET_BIND_SERVICE')", who,
			cap);
	else
		d = mf_finding(k, MF_RULE_CAPABILITIES_ADDED, mf_chk_at(k, item), path,
			       "%s adds capability '%s', which is not in the baseline allow-list",
			       who, cap);
	cap_note(k, d, cap, cap_allowed(k, meant) ? meant : NULL);
}

/* containers[].securityContext.capabilities.add; restricted's own list is from 1.22,
 * and it replaces baseline's, so it skips Windows pods as well. */
static void capabilities_added(mf_chk *k)
{
	bool hostnet = mf_is_true(mf_get(k->pod->spec, "hostNetwork"));
	size_t n;
	mf_ctr *cs;

	if (k->level == MF_LEVEL_RESTRICTED && since(k, 22) && windows_exempt(k))
		return;
	cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *add = mf_path(cs[i].node, "securityContext.capabilities.add");
		for (size_t j = 0; add && add->kind == MF_SEQ && j < add->n; j++) {
			const char *cap =
				mf_str(add->items[j]) ? cap_name(k, mf_str(add->items[j])) : NULL;
			if (cap && (!cap_allowed(k, cap) || hostnet))
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

/* container_engine_t is allowed from 1.31 */
static bool selinux_type_ok(const mf_chk *k, const char *t)
{
	static const char *const types[] = {"", "container_t", "container_init_t",
					    "container_kvm_t"};

	return MF_IN_LIST(t, types) || (since(k, 31) && !strcmp(t, "container_engine_t"));
}

static void selinux_field(mf_chk *k, const mf_ctr *ct, const mf_node *opts, const char *field)
{
	static const char *const fields[] = {"user", "role"};
	const mf_node *type = mf_get(opts, "type");

	if (type && mf_str(type) && !selinux_type_ok(k, mf_str(type)))
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

/* containers[].securityContext.procMount: any value in a user namespace, from 1.35,
 * at baseline; restricted keeps asking for Default. */
static void proc_mount(mf_chk *k)
{
	if (k->level < MF_LEVEL_RESTRICTED && user_namespace(k))
		return;
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

static const char seccomp_pod_key[] = "seccomp.security.alpha.kubernetes.io/pod";
static const char seccomp_ctr_prefix[] = "container.seccomp.security.alpha.kubernetes.io/";

/* The seccomp annotation that applies to a container (ct NULL: the pod's), or NULL. */
static const mf_node *seccomp_annotation(mf_chk *k, const mf_ctr *ct, const char **key)
{
	const mf_node *ann = mf_get(k->pod->meta, "annotations"), *v = NULL;

	if (ct && ct->name) {
		*key = mf_printf(k->c->a, "%s%s", seccomp_ctr_prefix, ct->name);
		v = *key ? mf_get(ann, *key) : NULL;
	}
	if (!v)
		v = mf_get(ann, *key = seccomp_pod_key);
	return v;
}

/* Before 1.19 seccomp was set by annotations: runtime/default, docker/default
 * or localhost/NAME, on the pod or per container. */
static void seccomp_annotations(mf_chk *k)
{
	size_t n;
	mf_ctr *cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i <= n; i++) {
		const char *key, *v;
		const mf_node *at = seccomp_annotation(k, i < n ? &cs[i] : NULL, &key);
		if (!at || (i < n && key == seccomp_pod_key))
			continue; /* the pod's own is reported once, below the containers */
		v = mf_or(mf_str(at), "");
		if (!strcmp(v, "runtime/default") || !strcmp(v, "docker/default") ||
		    !strncmp(v, "localhost/", 10))
			continue;
		mf_finding(k, MF_RULE_SECCOMP_UNCONFINED, mf_chk_at(k, at),
			   mf_printf(k->c->a, "%s.annotations[\"%s\"]", k->pod->meta_base, key),
			   "%s runs without seccomp (annotation '%s: %s')",
			   mf_chk_who(k, i < n ? &cs[i] : NULL), key, v);
	}
}

/* securityContext.seccompProfile.type of the pod and every container (from 1.19;
 * the annotations before) */
static void seccomp_unconfined(mf_chk *k)
{
	if (!since(k, 19)) {
		seccomp_annotations(k);
		return;
	}
	each_field(k, "securityContext.seccompProfile", true, unconfined_at);
}

/* The safe sysctls and the release that made each safe. */
static const struct {
	const char *name;
	int since;
} safe_sysctls[] = {
	{"kernel.shm_rmid_forced", 0},
	{"net.ipv4.ip_local_port_range", 0},
	{"net.ipv4.tcp_syncookies", 0},
	{"net.ipv4.ping_group_range", 0},
	{"net.ipv4.ip_unprivileged_port_start", 0},
	{"net.ipv4.ip_local_reserved_ports", 27},
	{"net.ipv4.tcp_keepalive_time", 29},
	{"net.ipv4.tcp_fin_timeout", 29},
	{"net.ipv4.tcp_keepalive_intvl", 29},
	{"net.ipv4.tcp_keepalive_probes", 29},
	{"net.ipv4.tcp_rmem", 32},
	{"net.ipv4.tcp_wmem", 32},
	{"net.ipv4.tcp_slow_start_after_idle", 37},
	{"net.ipv4.tcp_notsent_lowat", 37},
};

/* The release from which the sysctl is safe, or -1 when it never is. */
static int sysctl_safe_since(const char *name)
{
	for (size_t i = 0; i < MF_NELEM(safe_sysctls); i++)
		if (!strcmp(name, safe_sysctls[i].name))
			return safe_sysctls[i].since;
	return -1;
}

/* spec.securityContext.sysctls[].name */
static void sysctls_unsafe(mf_chk *k)
{
	const mf_node *s = mf_path(k->pod->spec, "securityContext.sysctls");

	for (size_t i = 0; s && s->kind == MF_SEQ && i < s->n; i++) {
		const mf_node *name = mf_get(s->items[i], "name");
		int from = mf_str(name) ? sysctl_safe_since(mf_str(name)) : 0;
		const char *path;
		if (from >= 0 && since(k, from))
			continue;
		path = mf_printf(k->c->a, "%s.securityContext.sysctls[%zu].name", k->pod->base, i);
		if (from < 0)
			mf_finding(k, MF_RULE_SYSCTLS_UNSAFE, mf_chk_at(k, name), path,
				   "%s sets sysctl '%s', which is not in the safe set",
				   mf_chk_who(k, NULL), mf_str(name));
		else
			mf_finding(
				k, MF_RULE_SYSCTLS_UNSAFE, mf_chk_at(k, name), path,
				"%s sets sysctl '%s', which is safe only from Pod Security v1.%d "
				"(the packs ask for v1.%d)",
				mf_chk_who(k, NULL), mf_str(name), from, k->pss);
	}
}

/* containers[].{liveness,readiness,startup}Probe and lifecycle.{postStart,preStop}:
 * httpGet.host and tcpSocket.host make the kubelet connect elsewhere (from 1.34) */
static void host_probes(mf_chk *k)
{
	static const char *const handlers[] = {
		"livenessProbe.httpGet",       "livenessProbe.tcpSocket",
		"readinessProbe.httpGet",      "readinessProbe.tcpSocket",
		"startupProbe.httpGet",        "startupProbe.tcpSocket",
		"lifecycle.postStart.httpGet", "lifecycle.postStart.tcpSocket",
		"lifecycle.preStop.httpGet",   "lifecycle.preStop.tcpSocket"};
	size_t n;
	mf_ctr *cs;

	if (!since(k, 34))
		return;
	cs = mf_pod_containers(k, k->pod, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < MF_NELEM(handlers); j++) {
			const mf_node *host = mf_get(mf_path(cs[i].node, handlers[j]), "host");
			if (!mf_str(host) || !*mf_str(host))
				continue;
			mf_finding(k, MF_RULE_HOST_PROBES, mf_chk_at(k, host),
				   field_path(k, &cs[i], handlers[j], ".host"),
				   "%s sends '%s' to host '%s' instead of its own pod",
				   mf_chk_who(k, &cs[i]), handlers[j], mf_str(host));
		}
}

/* ---- restricted ------------------------------------------------------------- */

/* spec.volumes[]: the kind of each volume is its one key besides `name` */
static void volume_types(mf_chk *k)
{
	static const char *const allowed[] = {
		"configMap", "csi",    "downwardAPI",           "emptyDir", "ephemeral", "image",
		"projected", "secret", "persistentVolumeClaim", "name"};
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

/* containers[].securityContext.allowPrivilegeEscalation must be false (from 1.8) */
static void privilege_escalation(mf_chk *k)
{
	if (!since(k, 8) || windows_exempt(k))
		return;
	each_field(k, "securityContext.allowPrivilegeEscalation", false, escalation_at);
}

/* runAsNonRoot: the container's, else the pod's, must be true, and the pod must not
 * say false even where every container overrides it; not in a user namespace */
static void run_as_non_root(mf_chk *k)
{
	const mf_node *pod = mf_path(k->pod->spec, "securityContext.runAsNonRoot");
	bool pod_reported = false;
	size_t n;
	mf_ctr *cs;

	if (user_namespace(k))
		return;
	cs = mf_pod_containers(k, k->pod, &n);
	for (size_t i = 0; i < n; i++) {
		const char *path;
		const mf_node *v = mf_sec_field(k, k->pod, &cs[i], "runAsNonRoot", &path);
		if (mf_is_true(v))
			continue;
		pod_reported |= v == pod;
		mf_finding(k, MF_RULE_RUN_AS_NON_ROOT, mf_chk_at(k, v ? v : cs[i].node), path,
			   "%s may run as root (runAsNonRoot is not true)", mf_chk_who(k, &cs[i]));
	}
	if (mf_is_false(pod) && !pod_reported)
		mf_finding(k, MF_RULE_RUN_AS_NON_ROOT, mf_chk_at(k, pod),
			   mf_printf(k->c->a, "%s.securityContext.runAsNonRoot", k->pod->base),
			   "%s sets runAsNonRoot: false for the pod", mf_chk_who(k, NULL));
}

static void root_user_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (v && v->kind == MF_INT && v->v.i == 0)
		mf_finding(k, MF_RULE_RUN_AS_ROOT_USER, mf_chk_at(k, v),
			   field_path(k, ct, field, ""), "%s runs as user 0 (root)",
			   mf_chk_who(k, ct));
}

/* runAsUser: 0 on the pod or on a container (from 1.23; not in a user namespace) */
static void run_as_root_user(mf_chk *k)
{
	if (!since(k, 23) || user_namespace(k))
		return;
	each_field(k, "securityContext.runAsUser", true, root_user_at);
}

/* The annotations set no profile since 1.27 (and count for Pod Security only
 * before 1.19): say so where one is all a container has. */
static void seccomp_annotation_note(mf_chk *k, const mf_ctr *ct, mf_diag *d)
{
	const char *key;

	if (d && seccomp_annotation(k, ct, &key))
		mf_diag_note(k->c, d,
			     "the annotation '%s' is not a seccomp profile: Kubernetes ignores it "
			     "since 1.27; set securityContext.seccompProfile",
			     key);
}

/* seccompProfile.type: the container's, else the pod's, is RuntimeDefault or
 * Localhost (from 1.19; not on Windows pods from 1.25) */
static void seccomp_required(mf_chk *k)
{
	size_t n;
	mf_ctr *cs;

	if (!since(k, 19) || windows_exempt(k))
		return;
	cs = mf_pod_containers(k, k->pod, &n);
	for (size_t i = 0; i < n; i++) {
		const char *path;
		const mf_node *prof = mf_sec_field(k, k->pod, &cs[i], "seccompProfile", &path);
		const char *t = mf_get_str(prof, "type");
		if (t && (!strcmp(t, "RuntimeDefault") || !strcmp(t, "Localhost")))
			continue;
		if (t && !strcmp(t, "Unconfined") && k->on[MF_RULE_SECCOMP_UNCONFINED])
			continue;
		seccomp_annotation_note(
			k, &cs[i],
			mf_finding(k, MF_RULE_SECCOMP_REQUIRED,
				   mf_chk_at(k, prof ? prof : cs[i].node), path,
				   "%s has no seccomp profile (RuntimeDefault or Localhost)",
				   mf_chk_who(k, &cs[i])));
	}
}

/* containers[].securityContext.capabilities.drop must hold ALL (from 1.22; not on
 * Windows pods from 1.25) */
static void capabilities_drop_all(mf_chk *k)
{
	size_t n;
	mf_ctr *cs;

	if (!since(k, 22) || windows_exempt(k))
		return;
	cs = mf_pod_containers(k, k->pod, &n);

	for (size_t i = 0; i < n; i++) {
		const mf_node *drop = mf_path(cs[i].node, "securityContext.capabilities.drop");
		const char *near = NULL; /* "all", "CAP_ALL" */
		bool all = false;
		for (size_t j = 0; drop && drop->kind == MF_SEQ && j < drop->n; j++) {
			const char *c = mf_str(drop->items[j]);
			all |= c && !strcmp(cap_name(k, c), "ALL");
			if (c && !strcmp(cap_folded(k, c), "ALL"))
				near = c;
		}
		if (!all)
			cap_note(k,
				 mf_finding(k, MF_RULE_CAPABILITIES_DROP_ALL,
					    mf_chk_at(k, drop ? drop : cs[i].node),
					    mf_printf(k->c->a,
						      "%s.securityContext.capabilities.drop",
						      cs[i].path),
					    "%s does not drop ALL capabilities",
					    mf_chk_who(k, &cs[i])),
				 mf_or(near, "ALL"), near ? "ALL" : NULL);
	}
}

static void read_only_at(mf_chk *k, const mf_ctr *ct, const mf_node *v, const char *field)
{
	if (!mf_is_true(v))
		mf_finding(k, MF_RULE_READ_ONLY_ROOT_FS, mf_chk_at(k, v ? v : ct->node),
			   field_path(k, ct, field, ""), "%s has a writable root file system",
			   mf_chk_who(k, ct));
}

/* containers[].securityContext.readOnlyRootFilesystem, a Linux-only field (the API
 * server refuses it on Windows pods) */
static void read_only_root_fs(mf_chk *k)
{
	if (windows_pod(k))
		return;
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
	{MF_RULE_HOST_PROBES, MF_SC_POD, MF_RUN_CHECK | MF_RUN_LINT, host_probes},
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

/* resolve: unit tests for the Compose renderer: healthchecks, depends_on, quantities, secrets, tenants, determinism */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* Every description below is this head plus services (and maybe more). */
#define HEAD "manifold: 1\nsystem: {name: demo, version: \"1.0.0\"}\n"
#define DEV "environments:\n  dev: {profile: development, targets: [compose]}\n"

static mf_ctx C;
static mf_system SYS;
static mf_node *DOC, *SIDE;

static void setup(void)
{
	mf_ctx_init(&C);
	memset(&SYS, 0, sizeof SYS);
	DOC = SIDE = NULL;
}

static void teardown(void)
{
	mf_ctx_release(&C);
}

static void dump_diags(void)
{
	mf_diag_print_all(&C, stderr, false);
}

/* Load and resolve a description written to a temporary file. */
static void resolve_text(const char *yaml)
{
	char path[] = "/tmp/mf-test-compose-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	const mf_node *doc;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	doc = mf_load_system(&C, path);
	unlink(path);
	if (!doc || mf_resolve_doc(&C, doc, &SYS) < 0)
		dump_diags();
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(C.nerrors, 0);
	ck_assert_uint_ge(SYS.nenvs, 1);
}

/* Render environment `dev` (the first); NULL after errors. */
static mf_node *render(const char *yaml)
{
	resolve_text(yaml);
	DOC = mf_render_compose(&C, &SYS, &SYS.envs[0], NULL, &SIDE);
	return DOC;
}

static mf_node *render_ok(const char *yaml)
{
	if (!render(yaml))
		dump_diags();
	ck_assert_ptr_nonnull(DOC);
	ck_assert_ptr_nonnull(SIDE);
	return DOC;
}

static const char *at(const char *path)
{
	return mf_str(mf_path(DOC, path));
}

#define ck_at(path, want) ck_assert_str_eq(at(path) ? at(path) : "(absent)", (want))
#define ck_none(path) ck_assert_ptr_null(mf_path(DOC, path))

static size_t count_diags(const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < C.ndiags; i++)
		n += C.diags[i].code && !strcmp(C.diags[i].code, code);
	return n;
}

static char *yaml_of(const mf_node *doc)
{
	mf_buf b;

	mf_buf_init(&b);
	ck_assert_int_eq(mf_yaml_write(&b, doc), 0);
	return b.data;
}

/* ---- healthchecks ---------------------------------------------------------------------- */

START_TEST(health_http)
{
	render_ok(HEAD "services:\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    ports: {http: 8080, admin: 9000}\n"
		       "    probes:\n"
		       "      liveness: {tcp: {port: admin}}\n"
		       "      readiness: {http: {path: /ready, port: http}, period: 15, timeout: 5s, failureThreshold: 4,"
		       " initialDelay: 20}\n" DEV);
	ck_at("services.api.healthcheck.test.0", "CMD-SHELL");
	ck_at("services.api.healthcheck.test.1",
	      "curl -fsS 'http://127.0.0.1:8080/ready' >/dev/null || "
	      "wget -q -O /dev/null 'http://127.0.0.1:8080/ready' || exit 1");
	ck_at("services.api.healthcheck.interval", "15s");
	ck_at("services.api.healthcheck.timeout", "5s");
	ck_assert_int_eq(mf_path(DOC, "services.api.healthcheck.retries")->v.i, 4);
	ck_at("services.api.healthcheck.start_period", "20s");
}
END_TEST

START_TEST(health_https_headers_defaults)
{
	render_ok(HEAD "services:\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    ports: {https: 8443}\n"
		       "    probes:\n"
		       "      liveness: {http: {path: \"/it's\", scheme: HTTPS, headers: {X-Probe: \"1\"}}}\n" DEV);
	ck_at("services.api.healthcheck.test.1",
	      "curl -fsSk -H 'X-Probe: 1' 'https://127.0.0.1:8443/it'\\''s' >/dev/null || "
	      "wget -q --no-check-certificate --header='X-Probe: 1' -O /dev/null 'https://127.0.0.1:8443/it'\\''s' || exit 1");
	/* Kubernetes defaults when the probe says nothing */
	ck_at("services.api.healthcheck.interval", "10s");
	ck_at("services.api.healthcheck.timeout", "1s");
	ck_assert_int_eq(mf_path(DOC, "services.api.healthcheck.retries")->v.i, 3);
	ck_none("services.api.healthcheck.start_period");
}
END_TEST

START_TEST(health_tcp_grpc)
{
	render_ok(HEAD "services:\n"
		       "  db:\n"
		       "    image: demo/db:1.0.0\n"
		       "    ports: {pg: 5432}\n"
		       "    probes: {readiness: {tcp: {port: pg}, period: 500ms}}\n"
		       "  rpc:\n"
		       "    image: demo/rpc:1.0.0\n"
		       "    ports: {grpc: 9090}\n"
		       "    probes: {readiness: {grpc: {port: 9090, service: demo.Health}}}\n" DEV);
	ck_at("services.db.healthcheck.test.1",
	      "nc -z 127.0.0.1 5432 || bash -c ': >/dev/tcp/127.0.0.1/5432' || exit 1");
	ck_at("services.db.healthcheck.interval", "500ms");
	ck_at("services.rpc.healthcheck.test.1", "grpc_health_probe -addr=127.0.0.1:9090 -service='demo.Health'");
}
END_TEST

START_TEST(health_exec_and_override)
{
	render_ok(HEAD "services:\n"
		       "  a:\n"
		       "    image: demo/a:1.0.0\n"
		       "    probes: {readiness: {exec: [pg_isready, -U, postgres]}}\n"
		       "  b:\n"
		       "    image: demo/b:1.0.0\n"
		       "    probes: {readiness: {exec: {shell: \"test -f /tmp/up && echo $HOME\"}}}\n"
		       "  c:\n"
		       "    image: demo/c:1.0.0\n"
		       "    ports: {http: 80}\n"
		       "    probes:\n"
		       "      readiness: {http: {path: /}}\n"
		       "      compose: [CMD, curl, -f, http://localhost/]\n"
		       "  d:\n"
		       "    image: demo/d:1.0.0\n"
		       "    probes: {liveness: {exec: [x]}, compose: [/bin/check, --quick]}\n"
		       "  e:\n"
		       "    image: demo/e:1.0.0\n"
		       "    probes: {liveness: {exec: [x]}, compose: \"wget -qO- localhost\"}\n"
		       "  f:\n"
		       "    kind: job\n"
		       "    image: demo/f:1.0.0\n"
		       "    probes: {liveness: {exec: [x]}}\n"
		       "  g:\n"
		       "    image: demo/g:1.0.0\n"
		       "    probes: {compose: [CMD, /healthy]}\n" DEV);
	ck_at("services.a.healthcheck.test.0", "CMD");
	ck_at("services.a.healthcheck.test.1", "pg_isready");
	ck_at("services.a.healthcheck.test.3", "postgres");
	ck_at("services.b.healthcheck.test.0", "CMD-SHELL");
	ck_at("services.b.healthcheck.test.1", "test -f /tmp/up && echo $$HOME");  /* literal '$' */
	ck_at("services.c.healthcheck.test.0", "CMD");
	ck_at("services.c.healthcheck.test.1", "curl");
	ck_assert_uint_eq(mf_path(DOC, "services.c.healthcheck.test")->n, 4);
	ck_at("services.d.healthcheck.test.0", "CMD");
	ck_at("services.d.healthcheck.test.1", "/bin/check");
	/* a string is split into words, as every command of a description */
	ck_at("services.e.healthcheck.test.0", "CMD");
	ck_at("services.e.healthcheck.test.1", "wget");
	ck_at("services.e.healthcheck.test.3", "localhost");
	ck_none("services.f.healthcheck");
	/* a Compose test and no probe: no invented timing, Docker's defaults apply */
	ck_at("services.g.healthcheck.test.1", "/healthy");
	ck_none("services.g.healthcheck.interval");
	ck_none("services.g.healthcheck.timeout");
	ck_none("services.g.healthcheck.retries");
}
END_TEST

START_TEST(health_startup_budget)
{
	render_ok(HEAD "services:\n"
		       "  llm:\n"
		       "    image: demo/llm:1.0.0\n"
		       "    ports: {http: 8000}\n"
		       "    probes:\n"
		       "      readiness: {http: {path: /ready}, initialDelay: 5}\n"
		       "      startup: {http: {path: /ready}, initialDelay: 10, period: 5s, failureThreshold: 60}\n" DEV);
	/* 10s + 60 x 5s: the time Kubernetes would wait for the model to load */
	ck_at("services.llm.healthcheck.start_period", "310s");
}
END_TEST

/* ---- depends_on ------------------------------------------------------------------------ */

START_TEST(depends_conditions)
{
	render_ok(HEAD "services:\n"
		       "  db: {image: demo/db:1.0.0, probes: {readiness: {exec: [ok]}}}\n"
		       "  cache: {image: demo/cache:1.0.0}\n"
		       "  migrate: {kind: job, image: demo/migrate:1.0.0}\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    dependsOn: {migrate: completed, db: healthy, cache: started}\n"
		       "  web:\n"
		       "    image: demo/web:1.0.0\n"
		       "    dependsOn: {migrate: {}, db: {required: true}, cache: {}}\n" DEV);
	ck_at("services.api.depends_on.db.condition", "service_healthy");
	ck_at("services.api.depends_on.cache.condition", "service_started");
	ck_at("services.api.depends_on.migrate.condition", "service_completed_successfully");
	/* sorted by name (dclint) */
	ck_assert_str_eq(mf_path(DOC, "services.api.depends_on")->pairs[0].key, "cache");
	ck_assert_str_eq(mf_path(DOC, "services.api.depends_on")->pairs[2].key, "migrate");
	/* without a condition: a job to complete, a probed service to be healthy, else started */
	ck_at("services.web.depends_on.migrate.condition", "service_completed_successfully");
	ck_at("services.web.depends_on.db.condition", "service_healthy");
	ck_at("services.web.depends_on.cache.condition", "service_started");
	ck_none("services.web.depends_on.db.required");
	ck_assert_uint_eq(count_diags("compose-dependency-health"), 0);
}
END_TEST

START_TEST(depends_healthy_without_probe)
{
	render_ok(HEAD "services:\n"
		       "  cache: {image: demo/cache:1.0.0}\n"
		       "  api: {image: demo/api:1.0.0, dependsOn: {cache: healthy}}\n" DEV);
	ck_at("services.api.depends_on.cache.condition", "service_started");
	/* reported once, by the depends-on-unhealthy rule of the check stage */
	ck_assert_uint_eq(count_diags("compose-dependency-health"), 0);
}
END_TEST

/* A required dependency is never switched off by a profile; an optional
 * one says required: false, so a profile may leave it off. */
START_TEST(depends_profiles)
{
	render_ok(HEAD "services:\n"
		       "  tracing: {image: demo/jaeger:1.0.0, profiles: [tracing]}\n"
		       "  metrics: {image: demo/prom:1.0.0, profiles: [observability]}\n"
		       "  store: {image: demo/store:1.0.0, profiles: [data]}\n"
		       "  dash:\n"
		       "    image: demo/dash:1.0.0\n"
		       "    profiles: [observability]\n"
		       "    dependsOn: {metrics: started, tracing: {condition: started, required: false}}\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    dependsOn: {store: started, tracing: {condition: started, required: false}}\n" DEV);
	/* dash's required metrics share its profile: unchanged */
	ck_at("services.metrics.profiles.0", "observability");
	ck_assert_uint_eq(mf_path(DOC, "services.metrics.profiles")->n, 1);
	ck_at("services.dash.depends_on.metrics.condition", "service_started");
	/* optional: required: false, and tracing keeps its profile */
	ck_at("services.dash.depends_on.tracing.condition", "service_started");
	ck_at("services.dash.depends_on.tracing.required", "false");
	ck_at("services.api.depends_on.tracing.required", "false");
	ck_at("services.tracing.profiles.0", "tracing");
	ck_none("services.api.depends_on.store.required");
	/* api (no profile) requires store: store always starts */
	ck_none("services.store.profiles");
	ck_at("services.api.depends_on.store.condition", "service_started");
}
END_TEST

START_TEST(depends_profiles_propagate)
{
	render_ok(HEAD "services:\n"
		       "  db: {image: demo/db:1.0.0, profiles: [data]}\n"
		       "  cache: {image: demo/cache:1.0.0, profiles: [data]}\n"
		       "  api: {image: demo/api:1.0.0, profiles: [app], dependsOn: {cache: started}}\n"
		       "  worker: {image: demo/worker:1.0.0, profiles: [jobs], dependsOn: {api: started}}\n"
		       "  optional: {image: demo/o:1.0.0, profiles: [extra]}\n"
		       "  both: {image: demo/b:1.0.0, profiles: [extra], dependsOn: {optional: {condition: started, required: false}}}\n"
		       DEV);
	/* api needs cache: cache starts with app (and, through worker, jobs) */
	ck_at("services.cache.profiles.0", "app");
	ck_at("services.cache.profiles.1", "data");
	ck_at("services.cache.profiles.2", "jobs");
	ck_at("services.api.profiles.0", "app");
	ck_at("services.api.profiles.1", "jobs");
	ck_none("services.db.profiles.1");
	/* optional, even where both always start together: what the description says */
	ck_at("services.both.depends_on.optional.condition", "service_started");
	ck_at("services.both.depends_on.optional.required", "false");
}
END_TEST

/* ---- quantities ------------------------------------------------------------------------ */

START_TEST(quantities)
{
	render_ok(HEAD "services:\n"
		       "  a:\n"
		       "    image: demo/a:1.0.0\n"
		       "    resources: {requests: {cpu: 500m, memory: 1536Mi}, limits: {cpu: 2, memory: 2Gi, gpu: 2}}\n"
		       "  b:\n"
		       "    image: demo/b:1.0.0\n"
		       "    resources: {requests: {cpu: 0.25, memory: 512M}, limits: {cpu: \"1.5\", memory: 1G}}\n"
		       "  c:\n"
		       "    image: demo/c:1.0.0\n"
		       "    resources: {requests: {cpu: 1m, memory: 64Ki}, limits: {cpu: 2500m, memory: 1000}, gpuResource: amd.com/gpu}\n"
		       "  d:\n"
		       "    image: demo/d:1.0.0\n"
		       "    resources: {requests: {memory: 1.5Gi}, limits: {gpu: 1}}\n" DEV);
	ck_at("services.a.deploy.resources.reservations.cpus", "0.5");
	ck_at("services.a.deploy.resources.reservations.memory", "1536m");
	ck_at("services.a.deploy.resources.limits.cpus", "2");
	ck_assert(mf_path(DOC, "services.a.deploy.resources.limits.cpus")->flags & MF_QUOTED);
	ck_at("services.a.deploy.resources.limits.memory", "2g");
	ck_at("services.a.deploy.resources.reservations.devices.0.driver", "nvidia");
	ck_assert_int_eq(mf_path(DOC, "services.a.deploy.resources.reservations.devices.0.count")->v.i, 2);
	ck_at("services.a.deploy.resources.reservations.devices.0.capabilities.0", "gpu");
	ck_at("services.b.deploy.resources.reservations.cpus", "0.25");
	ck_at("services.b.deploy.resources.reservations.memory", "500000k");    /* 512e6 bytes */
	ck_at("services.b.deploy.resources.limits.cpus", "1.5");
	ck_at("services.b.deploy.resources.limits.memory", "1000000000b");      /* 1e9: no 1024 unit divides it */
	ck_at("services.c.deploy.resources.reservations.cpus", "0.001");
	ck_at("services.c.deploy.resources.reservations.memory", "64k");
	ck_at("services.c.deploy.resources.limits.cpus", "2.5");
	ck_at("services.c.deploy.resources.limits.memory", "1000b");
	ck_none("services.c.deploy.resources.reservations.devices");
	ck_at("services.d.deploy.resources.reservations.memory", "1536m");
	ck_at("services.d.deploy.resources.reservations.devices.0.driver", "nvidia");
	ck_none("services.d.deploy.resources.limits");
}
END_TEST

START_TEST(replicas_and_restart)
{
	render_ok(HEAD "services:\n"
		       "  web: {image: demo/web:1.0.0, replicas: 3}\n"
		       "  edge: {image: demo/edge:1.0.0, replicas: 2, ports: {http: {port: 80, host: 8080}}}\n"
		       "  db: {kind: stateful, image: demo/db:1.0.0, replicas: 3, storage: {data: {mount: /data}}}\n"
		       "  once: {kind: job, image: demo/once:1.0.0}\n"
		       "  retry: {kind: job, image: demo/retry:1.0.0, job: {backoffLimit: 2}}\n"
		       "  never: {kind: job, image: demo/never:1.0.0, restart: never, job: {backoffLimit: 2}}\n"
		       "  flaky: {image: demo/flaky:1.0.0, restart: on-failure}\n"
		       "  nightly: {kind: cronjob, image: demo/nightly:1.0.0, schedule: \"0 2 * * *\"}\n" DEV);
	ck_assert_int_eq(mf_path(DOC, "services.web.deploy.replicas")->v.i, 3);
	ck_none("services.edge.deploy");
	ck_none("services.db.deploy");
	ck_assert_uint_eq(count_diags("compose-replicas"), 2);
	ck_at("services.edge.ports.0", "8080:80/tcp");
	ck_at("services.web.restart", "unless-stopped");   /* the development profile's default */
	ck_at("services.once.restart", "no");
	ck_at("services.retry.restart", "on-failure:2");
	ck_at("services.never.restart", "no");
	ck_at("services.flaky.restart", "on-failure");
	/* Compose has no scheduler: a cronjob only runs with a profile */
	ck_at("services.nightly.profiles.0", "cronjobs");
	ck_at("services.nightly.restart", "no");
}
END_TEST

/* Published on every interface unless hostIP names one, sorted by host
 * port; a host port used twice is the check stage's rule
 * (host-port-conflict), not the renderer's. */
START_TEST(host_ports)
{
	render_ok(HEAD "services:\n"
		       "  a:\n"
		       "    image: demo/a:1.0.0\n"
		       "    ports: {https: {port: 443, host: 443}, http: {port: 80, host: 80}, dns: {port: 53, protocol: UDP, host: auto},"
		       " internal: 9000}\n"
		       "  b: {image: demo/b:1.0.0, ports: {web: {port: 8000, host: 80, hostIP: 127.0.0.1}}}\n"
		       "  d: {image: demo/d:1.0.0, ports: {web: {port: 8000, host: 8001, hostIP: \"::1\"}}}\n"
		       "  c: {image: demo/c:1.0.0, ports: {web: {port: 8080, host: 9999}}, security: {hostNetwork: true}}\n"
		       "environments:\n"
		       "  dev: {profile: development, targets: [compose], hostPorts: {from: 7000, to: 7010}}\n");
	ck_at("services.a.ports.0", "80:80/tcp");
	ck_at("services.a.ports.1", "443:443/tcp");
	ck_at("services.a.ports.2", "7000:53/udp");
	ck_none("services.a.ports.3");
	ck_at("services.b.ports.0", "127.0.0.1:80:8000/tcp");
	ck_at("services.d.ports.0", "[::1]:8001:8000/tcp");
	ck_none("services.c.ports");
	ck_at("services.c.network_mode", "host");
	ck_assert_uint_eq(C.nerrors, 0);
}
END_TEST

/* ---- secrets ---------------------------------------------------------------------------- */

START_TEST(secrets_environment)
{
	const mf_node *vars;

	render_ok(HEAD "secrets:\n"
		       "  openai: {keys: [api-key], compose: {environment: OPENAI_}}\n"
		       "  db-creds: {keys: [password, user.name]}\n"
		       "services:\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    env:\n"
		       "      OPENAI_API_KEY: {secret: openai, key: api-key}\n"
		       "      DB_PASSWORD: {secret: db-creds, key: password}\n"
		       "      DB_USER: {secret: db-creds, key: user.name, optional: true}\n"
		       "  worker:\n"
		       "    image: demo/worker:1.0.0\n"
		       "    envFrom: [{secret: db-creds, prefix: PG_}]\n" DEV);
	ck_at("services.api.environment.OPENAI_API_KEY",
	      "${OPENAI_API_KEY?key 'api-key' of secret 'openai': set it in .env}");
	ck_at("services.api.environment.DB_PASSWORD",
	      "${DB_CREDS_PASSWORD?key 'password' of secret 'db-creds': set it in .env}");
	ck_at("services.api.environment.DB_USER", "${DB_CREDS_USER_NAME-}");
	ck_at("services.worker.environment.PG_password",
	      "${DB_CREDS_PASSWORD?key 'password' of secret 'db-creds': set it in .env}");
	ck_none("services.worker.environment.PG_user.name");   /* not a variable name */
	ck_none("secrets");
	vars = mf_get(SIDE, "variables");
	ck_assert_uint_eq(vars->n, 3);
	ck_assert_str_eq(vars->pairs[0].key, "OPENAI_API_KEY");
	ck_assert_str_eq(mf_str(mf_path(vars, "DB_CREDS_PASSWORD.users.1")), "worker");
}
END_TEST

START_TEST(secrets_files)
{
	render_ok(HEAD "secrets:\n"
		       "  pg: {keys: [password], compose: {file: ./secrets/}}\n"
		       "  tls: {keys: [tls.crt, tls.key]}\n"
		       "services:\n"
		       "  db:\n"
		       "    image: demo/db:1.0.0\n"
		       "    env: {POSTGRES_PASSWORD: {secret: pg, key: password}}\n"
		       "    volumes:\n"
		       "      certs: {mount: /etc/certs, secret: tls}\n"
		       "      pw: {mount: /run/secrets/pw, secret: pg, subPath: password}\n" DEV);
	ck_at("services.db.environment.POSTGRES_PASSWORD_FILE", "/run/secrets/pg-password");
	ck_none("services.db.environment.POSTGRES_PASSWORD");
	ck_at("secrets.pg-password.file", "./secrets/password");
	ck_assert_str_eq(mf_get_str(mf_get(mf_get(DOC, "secrets"), "tls-tls.crt"), "file"), "./secrets/tls/tls.crt");
	ck_at("services.db.secrets.0.source", "tls-tls.crt");
	ck_at("services.db.secrets.0.target", "/etc/certs/tls.crt");
	ck_at("services.db.secrets.1.target", "/etc/certs/tls.key");
	ck_at("services.db.secrets.2.source", "pg-password");
	ck_at("services.db.secrets.2.target", "/run/secrets/pw");
	ck_at("services.db.secrets.3", "pg-password");
	ck_assert_uint_eq(mf_get(SIDE, "secret-files")->n, 3);
	ck_assert_uint_eq(mf_get(SIDE, "variables")->n, 0);
}
END_TEST

/* ---- tenants, volumes, the rest --------------------------------------------------------- */

START_TEST(tenants)
{
	render_ok(HEAD "services:\n"
		       "  mcp:\n"
		       "    scope: tenant\n"
		       "    image: demo/mcp:1.0.0\n"
		       "    profiles: [multi-mcp]\n"
		       "    ports: {mcp: 8770}\n"
		       "    storage: {state: {mount: /state}}\n"
		       "  http:\n"
		       "    scope: tenant\n"
		       "    image: demo/http:1.0.0\n"
		       "    env: {MCP: {service: mcp, port: mcp, format: \"http://{host}:{port}\"}}\n"
		       "    dependsOn: {mcp: healthy, shared: started}\n"
		       "  shared: {image: demo/shared:1.0.0, profiles: [infra]}\n"
		       "tenants:\n"
		       "  local: {services: {mcp: {ports: {mcp: {port: 8770, host: 8771}}}}}\n"
		       "  prod: {services: {mcp: {ports: {mcp: {port: 8770, host: 8772}}}}}\n" DEV);
	ck_at("services.mcp-local.profiles.0", "local");
	ck_at("services.mcp-local.profiles.1", "multi-mcp");
	ck_at("services.mcp-prod.profiles.0", "multi-mcp");
	ck_at("services.mcp-prod.profiles.1", "prod");
	ck_at("services.mcp-local.ports.0", "8771:8770/tcp");
	ck_at("services.mcp-prod.ports.0", "8772:8770/tcp");
	ck_at("services.mcp-local.volumes.0.source", "mcp-local-state");
	ck_at("services.mcp-prod.volumes.0.source", "mcp-prod-state");
	ck_assert_ptr_nonnull(mf_path(DOC, "volumes.mcp-prod-state"));
	/* the same tenant's instance; healthy downgraded (no probe) */
	ck_at("services.http-prod.environment.MCP", "http://mcp-prod:8770");
	ck_at("services.http-prod.depends_on.mcp-prod.condition", "service_started");
	ck_none("services.http-prod.depends_on.mcp-local");
	/* shared, required by both tenants: started with either */
	ck_at("services.shared.profiles.0", "infra");
	ck_at("services.shared.profiles.1", "local");
	ck_at("services.shared.profiles.2", "prod");
}
END_TEST

START_TEST(volumes_and_configs)
{
	const mf_node *files;

	render_ok(HEAD "configs:\n"
		       "  app: {data: {app.yaml: \"a: 1\\n\", LEVEL: debug}}\n"
		       "services:\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    volumes:\n"
		       "      src: {mount: /app, bind: src}\n"
		       "      host: {mount: /host, hostPath: /var/lib/x, readOnly: true}\n"
		       "      conf: {mount: /etc/app, config: app}\n"
		       "      one: {mount: /etc/app.yaml, config: app, subPath: app.yaml}\n"
		       "      tmp: {mount: /tmp, emptyDir: {sizeLimit: 64Mi}}\n"
		       "      odd: {mount: /x, bind: \"./a:b\"}\n"
		       "    envFrom: [{config: app}]\n"
		       "    env: {GREETING: \"costs $5\"}\n" DEV);
	ck_at("services.api.volumes.0", "./src:/app");
	ck_at("services.api.volumes.1", "/var/lib/x:/host:ro");
	ck_at("services.api.volumes.2", "./configs/app:/etc/app:ro");
	ck_at("services.api.volumes.3", "./configs/app/app.yaml:/etc/app.yaml:ro");
	ck_at("services.api.volumes.4.type", "tmpfs");
	ck_assert_int_eq(mf_path(DOC, "services.api.volumes.4.tmpfs.size")->v.i, 64 << 20);
	ck_at("services.api.volumes.5.type", "bind");
	ck_at("services.api.volumes.5.source", "./a:b");
	ck_at("services.api.environment.LEVEL", "debug");
	ck_at("services.api.environment.GREETING", "costs $$5");
	files = mf_get(SIDE, "files");
	ck_assert_uint_eq(files->n, 2);
	ck_assert_str_eq(mf_str(mf_get(files, "configs/app/app.yaml")), "a: 1\n");
}
END_TEST

START_TEST(command_security_keys)
{
	const mf_node *svc;
	static const char *const order[] = {"image", "build", "depends_on", "volumes", "environment",
					    "network_mode", "command", "entrypoint", "working_dir", "restart",
					    "labels", "user", "cap_add", "cap_drop", "pull_policy", "read_only",
					    "security_opt"};

	render_ok(HEAD "services:\n"
		       "  db: {image: demo/db:1.0.0}\n"
		       "  api:\n"
		       "    image: demo/api:1.0.0\n"
		       "    build: {context: ./api, target: dev}\n"
		       "    command: [python, -m, api]\n"
		       "    args: \"serve --port $PORT\"\n"
		       "    workingDir: /srv\n"
		       "    labels: {team: core, tier: 1}\n"
		       "    dependsOn: {db: started}\n"
		       "    volumes: {tmp: {mount: /tmp, emptyDir: {}}}\n"
		       "    env: {A: \"1\"}\n"
		       "    security:\n"
		       "      runAsUser: 1000\n"
		       "      runAsGroup: 1000\n"
		       "      readOnlyRootFilesystem: true\n"
		       "      allowPrivilegeEscalation: false\n"
		       "      capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}\n"
		       "      hostNetwork: true\n" DEV);
	ck_at("services.api.entrypoint.0", "python");
	ck_at("services.api.entrypoint.2", "api");
	/* a string is split into words, no shell; '$' stays literal */
	ck_at("services.api.command.0", "serve");
	ck_at("services.api.command.1", "--port");
	ck_at("services.api.command.2", "$$PORT");
	ck_at("services.api.working_dir", "/srv");
	ck_at("services.api.labels.tier", "1");
	ck_at("services.api.user", "1000:1000");
	ck_assert(mf_path(DOC, "services.api.read_only")->v.b);
	ck_at("services.api.security_opt.0", "no-new-privileges:true");
	ck_at("services.api.cap_add.0", "NET_BIND_SERVICE");
	ck_at("services.api.network_mode", "host");
	ck_at("services.api.pull_policy", "build");
	ck_at("services.api.build.context", "./api");
	ck_at("services.api.build.target", "dev");
	/* dclint's key order, the rest sorted */
	svc = mf_path(DOC, "services.api");
	ck_assert_uint_eq(svc->n, sizeof order / sizeof order[0]);
	for (size_t i = 0; i < svc->n; i++)
		ck_assert_str_eq(svc->pairs[i].key, order[i]);
}
END_TEST

START_TEST(findings)
{
	ck_assert_ptr_null(render(HEAD "secrets:\n"
				       "  a: {keys: [b-c], compose: {file: ./one}}\n"
				       "  a-b: {keys: [c], compose: {file: ./two}}\n"
				       "services:\n"
				       "  nothing: {}\n"
				       "  probe: {image: demo/p:1.0.0, probes: {readiness: {http: {path: /}}}}\n"
				       "  field:\n"
				       "    image: demo/f:1.0.0\n"
				       "    env:\n"
				       "      NODE: {field: spec.nodeName}\n"
				       "      SELF: {field: metadata.name}\n"
				       "      X: {secret: a, key: b-c}\n"
				       "      Y: {secret: a-b, key: c}\n"
				       "  web-x: {image: demo/w:1.0.0}\n"
				       "  web: {scope: tenant, image: demo/w:1.0.0}\n"
				       "tenants: {x: {}}\n" DEV));
	ck_assert_uint_eq(count_diags("compose-image"), 1);
	/* no port and none to take (a misspelt name is resolve's unknown-port) */
	ck_assert_uint_eq(count_diags("compose-probe-port"), 1);
	ck_assert_uint_eq(count_diags("compose-env-field"), 1);
	ck_assert_uint_eq(count_diags("compose-service-name"), 1);
	ck_assert_uint_eq(count_diags("compose-secret-name"), 1);
}
END_TEST

/* ---- determinism and emit ---------------------------------------------------------------- */

static const char *const BIG =
	HEAD "secrets: {k: {keys: [v]}}\n"
	"services:\n"
	"  zeta: {image: demo/z:1.0.0, env: {K: {secret: k, key: v}}, dependsOn: {alpha: started}}\n"
	"  alpha: {image: demo/a:1.0.0, ports: {http: {port: 80, host: auto}}, storage: {d: {mount: /d}}}\n"
	"  mid: {scope: tenant, image: demo/m:1.0.0, storage: {d: {mount: /d}}, profiles: [p]}\n"
	"tenants: {t2: {}, t1: {}}\n"
	"environments:\n"
	"  dev: {profile: development, targets: [compose], hostPorts: {from: 7000, to: 7100}}\n";

START_TEST(deterministic)
{
	char *first, *second, *third;

	render_ok(BIG);
	first = yaml_of(DOC);
	second = yaml_of(mf_render_compose(&C, &SYS, &SYS.envs[0], NULL, NULL));
	teardown();
	setup();
	render_ok(BIG);
	third = yaml_of(DOC);
	ck_assert_str_eq(first, second);
	ck_assert_str_eq(first, third);
	/* services and volumes sorted */
	ck_assert_ptr_nonnull(strstr(first, "services:\n  alpha:\n"));
	ck_assert_ptr_nonnull(strstr(first, "volumes:\n  alpha-d: {}\n  mid-t1-d: {}\n  mid-t2-d: {}\n"));
	free(first);
	free(second);
	free(third);
}
END_TEST

START_TEST(emit_files)
{
	mf_output o;
	const mf_outfile *compose = NULL, *example = NULL, *conf = NULL;

	resolve_text(HEAD "secrets: {api: {keys: [token], compose: {environment: API_}}}\n"
			  "configs: {web: {data: {nginx.conf: \"events {}\\n\"}}}\n"
			  "services:\n"
			  "  web: {image: demo/web:1.0.0, profiles: [edge], volumes: {c: {mount: /etc/nginx, config: web}},"
			  " env: {TOKEN: {secret: api, key: token}}}\n"
			  "  k8s-only: {image: demo/k:1.0.0}\n"
			  "environments:\n"
			  "  dev: {profile: development, targets: [compose]}\n"
			  "  prod: {profile: production, targets: [kustomize]}\n");
	mf_output_init(&o);
	ck_assert_int_eq(mf_emit_compose(&C, mf_test_render(&C, &SYS), &o), 0);
	for (size_t i = 0; i < o.n; i++) {
		if (!strcmp(o.files[i].path, "compose/dev/compose.yaml"))
			compose = &o.files[i];
		else if (!strcmp(o.files[i].path, "compose/dev/.env.example"))
			example = &o.files[i];
		else if (!strcmp(o.files[i].path, "compose/dev/configs/web/nginx.conf"))
			conf = &o.files[i];
	}
	ck_assert_uint_eq(o.n, 3);
	ck_assert_ptr_nonnull(compose);
	ck_assert_ptr_nonnull(example);
	ck_assert_ptr_nonnull(conf);
	ck_assert_ptr_null(strstr(compose->data, "\nversion:"));
	ck_assert_ptr_nonnull(strstr(example->data, "\nCOMPOSE_PROJECT_NAME=demo-dev\n"));
	ck_assert_ptr_nonnull(strstr(example->data, "\n# key 'token' of secret 'api' (used by: web)\nAPI_TOKEN=\n"));
	ck_assert_ptr_nonnull(strstr(example->data, "#   edge\n"));
	ck_assert_str_eq(conf->data, "events {}\n");
	mf_output_release(&o);
}
END_TEST

static Suite *compose_suite(void)
{
	Suite *s = suite_create("render_compose");
	TCase *t = tcase_create("healthchecks");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, health_http);
	tcase_add_test(t, health_https_headers_defaults);
	tcase_add_test(t, health_tcp_grpc);
	tcase_add_test(t, health_exec_and_override);
	tcase_add_test(t, health_startup_budget);
	suite_add_tcase(s, t);
	t = tcase_create("dependencies");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, depends_conditions);
	tcase_add_test(t, depends_healthy_without_probe);
	tcase_add_test(t, depends_profiles);
	tcase_add_test(t, depends_profiles_propagate);
	suite_add_tcase(s, t);
	t = tcase_create("deploy");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, quantities);
	tcase_add_test(t, replicas_and_restart);
	tcase_add_test(t, host_ports);
	suite_add_tcase(s, t);
	t = tcase_create("secrets");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, secrets_environment);
	tcase_add_test(t, secrets_files);
	suite_add_tcase(s, t);
	t = tcase_create("services");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, tenants);
	tcase_add_test(t, volumes_and_configs);
	tcase_add_test(t, command_security_keys);
	tcase_add_test(t, findings);
	tcase_add_test(t, deterministic);
	tcase_add_test(t, emit_files);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return mf_test_run(compose_suite());
}

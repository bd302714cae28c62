/* resolve: cron schedules and Go durations as Velero and Kubernetes read them, validated */
#ifndef MF_CRON_H
#define MF_CRON_H

#include "resolve.h"

/* Room for any text mf_go_duration_fmt() writes ("-2562047h47m16.854775808s"). */
#define MF_GO_DURATION_MAX 32

/* Check a schedule the way Velero and the Kubernetes CronJob controller parse
 * it (robfig/cron v3, ParseStandard): an optional "CRON_TZ=Zone " or
 * "TZ=Zone " prefix, then five fields (minute hour day-of-month month
 * day-of-week) made of lists, ranges, steps, '*', '?' and the names JAN-DEC
 * and SUN-SAT, or one of @yearly @annually @monthly @weekly @daily @midnight
 * @hourly "@every <duration>".  Slightly stricter than robfig where it is
 * lax: no empty list items, no "*-5", no signs, day-of-week 0-6, a zone
 * spelled like an IANA name and not "Local".  Returns 0, or -1 with the
 * reason (lowercase, no full stop) written to why. */
int mf_cron_check(const char *expr, char *why, size_t cap);

/* Split a leading "CRON_TZ=Zone " / "TZ=Zone " off a schedule, for
 * Kubernetes CronJobs, which refuse it in spec.schedule and want the zone in
 * spec.timeZone.  Returns the schedule without the prefix (a pointer into
 * expr) and sets *zone to the zone (arena-owned) or NULL when there is none. */
const char *mf_cron_split_tz(mf_arena *a, const char *expr, const char **zone);

/* Parse a Go duration (time.ParseDuration: "720h", "1h30m", "1.5s",
 * "300ms", "-2m", "0").  Returns 0 and the value in nanoseconds, or -1 with
 * the reason in why. */
int mf_go_duration_parse(const char *text, long long *nanos, char *why, size_t cap);

/* Write a duration the way Go's time.Duration.String() prints it
 * ("720h0m0s", "1h30m0s", "1.5s", "300ms", "0s") and return buf; cap should
 * be at least MF_GO_DURATION_MAX. */
char *mf_go_duration_fmt(long long nanos, char *buf, size_t cap);

/* A description duration (integer seconds or "1h30m") or a Go duration
 * string, normalised to Go's text (arena-owned); NULL when invalid. */
const char *mf_go_duration_of(mf_arena *a, const mf_node *n);

/* Validate every backup schedule and ttl (system, profile, environment and
 * service backup settings, as merged into each environment and instance)
 * and every cronjob schedule, in every environment and the base view,
 * whatever the targets: a bad cron is a bad input everywhere.  Each bad
 * node is reported once, at its own line.  Also reports a service that asks
 * for a backup in a Velero environment where no schedule is set.  Returns 0,
 * or -1 after adding diagnostics. */
int mf_velero_validate(mf_ctx *c, const mf_system *s);

#endif

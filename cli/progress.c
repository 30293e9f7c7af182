/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_NS 200000000L
#define MAX_SHOWN 4 /* processes named on the line; the rest are counted */

struct progress {
	struct timespec start, last_draw;
	unsigned long syscalls;
	pid_t *alive;
	size_t n_alive, cap_alive;
};

struct progress *progress_new(void)
{
	struct progress *p;

	if (!isatty(STDERR_FILENO))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	return p;
}

static void note_alive(struct progress *p, pid_t pid)
{
	for (size_t i = 0; i < p->n_alive; i++)
		if (p->alive[i] == pid)
			return;
	if (p->n_alive == p->cap_alive) {
		size_t cap = p->cap_alive ? p->cap_alive * 2 : 8;
		pid_t *grown = realloc(p->alive, cap * sizeof(*grown));

		if (!grown)
			return;
		p->alive = grown;
		p->cap_alive = cap;
	}
	p->alive[p->n_alive++] = pid;
}

static void note_gone(struct progress *p, pid_t pid)
{
	for (size_t i = 0; i < p->n_alive; i++)
		if (p->alive[i] == pid) {
			p->alive[i] = p->alive[--p->n_alive];
			return;
		}
}

static long ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

static void draw(struct progress *p, const struct sp_detector *detector, const struct timespec *now)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof(line), "sysphase: %.1fs  %lu syscalls  %zu process%s",
	             (double)ns_between(&p->start, now) / 1e9, p->syscalls, p->n_alive,
	             p->n_alive == 1 ? "" : "es");
	for (size_t i = 0; detector && i < p->n_alive && i < MAX_SHOWN; i++) {
		const char *phase = sp_detector_phase_of(detector, p->alive[i]);

		if (n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%d:%s", i ? " " : "  ",
			              p->alive[i], phase ? phase : "?");
	}
	if (detector && p->n_alive > MAX_SHOWN && n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, " +%zu", p->n_alive - MAX_SHOWN);
	/* \r and erase-to-end keep it one line however its length changes. */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
}

void progress_event(struct progress *p, const struct sp_event *ev,
                    const struct sp_detector *detector)
{
	struct timespec now;

	if (!p)
		return;
	switch (ev->type) {
	case SP_EV_SYSCALL:
		p->syscalls++;
		note_alive(p, ev->pid);
		break;
	case SP_EV_FORK:
		note_alive(p, ev->child);
		break;
	case SP_EV_EXIT:
		if (ev->whole_process)
			note_gone(p, ev->pid);
		break;
	default:
		break;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ns_between(&p->last_draw, &now) < REDRAW_NS)
		return;
	p->last_draw = now;
	draw(p, detector, &now);
}

void progress_end(struct progress *p)
{
	if (!p)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	free(p->alive);
	free(p);
}

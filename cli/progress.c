/* SPDX-License-Identifier: MIT */
/*
 * The status line lives on the terminal's last row, outside a scroll
 * region that holds every other row (DECSTBM, as apt's progress bar
 * does): the traced program shares the terminal, and its output scrolls
 * above the line instead of running into it.  Each draw is one write():
 * save the cursor, go to the last row, draw, restore the cursor, so the
 * program's half-written line goes on where it was.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_NS 200000000L
#define MAX_SHOWN 4 /* processes named on the line; the rest are counted */

struct progress {
	int rows, cols; /* the terminal's size the scroll region was set for */
	struct timespec start, last_draw;
	unsigned long syscalls;
	pid_t *alive;
	size_t n_alive, cap_alive;
};

/* One write() for a whole escape sequence: never split by the program's own writes. */
static void put(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, s, len);

		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static bool term_size(int *rows, int *cols)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row < 3 || ws.ws_col < 20)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

/*
 * Reserves the last row: a newline first, so that a cursor on the last
 * row moves up with the text above it rather than under the status line.
 */
static void reserve_last_row(struct progress *p)
{
	char seq[64];
	int n = snprintf(seq, sizeof(seq), "\n\0337\033[1;%dr\0338\033[1A", p->rows - 1);

	put(seq, (size_t)n);
}

struct progress *progress_new(void)
{
	struct progress *p;

	if (!isatty(STDERR_FILENO))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (!term_size(&p->rows, &p->cols)) {
		free(p);
		return NULL; /* no room (or no size): no line rather than a mixed one */
	}
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	reserve_last_row(p);
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
	char line[512], seq[640];
	int n, rows, cols;

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
	/* A resized terminal gets its region set again for its new last row. */
	if (term_size(&rows, &cols) && (rows != p->rows || cols != p->cols)) {
		p->rows = rows;
		p->cols = cols;
		reserve_last_row(p);
	}
	/* Cut to the width: a wrapped status line would scroll the whole screen. */
	n = snprintf(seq, sizeof(seq), "\0337\033[%d;1H\033[2K%.*s\0338", p->rows, p->cols - 1,
	             line);
	put(seq, (size_t)n < sizeof(seq) ? (size_t)n : sizeof(seq) - 1);
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
	char seq[64];
	int n;

	if (!p)
		return;
	/* The status row erased, the whole screen scrolling again, the cursor where it was. */
	n = snprintf(seq, sizeof(seq), "\0337\033[%d;1H\033[2K\033[r\0338", p->rows);
	put(seq, (size_t)n);
	free(p->alive);
	free(p);
}

/* SPDX-License-Identifier: MIT */
/*
 * The one-line live status of `sysphase record` on a terminal: elapsed
 * time, syscalls recorded, processes alive and, with rules, the phase of
 * each, on the terminal's last row, which the program's output scrolls
 * above (progress.c).  Nothing at all when stderr is not a terminal.
 */
#ifndef SYSPHASE_CLI_PROGRESS_H
#define SYSPHASE_CLI_PROGRESS_H

#include "sysphase/phases.h"
#include "sysphase/core.h"

struct progress;

/* A status line on stderr when it is a terminal, else NULL (every call below accepts NULL). */
struct progress *progress_new(void);

/* Counts ev and redraws the line at most five times a second; detector may be NULL. */
void progress_event(struct progress *p, const struct sp_event *ev,
                    const struct sp_detector *detector);

/* Erases the line and frees p. */
void progress_end(struct progress *p);

#endif /* SYSPHASE_CLI_PROGRESS_H */

/* SPDX-License-Identifier: MIT */
/* `sysphase run` as a container's PID 1 (cli/init.c). */
#ifndef SYSPHASE_CLI_INIT_H
#define SYSPHASE_CLI_INIT_H

#include <stdbool.h>

/*
 * When the process is PID 1: forks, and the parent stays behind as the
 * container's init (forwards every catchable signal to the child, reaps
 * every process that ends, exits with the child's status); returns true
 * in the child, which then forwards every signal to the program
 * (init_forward_all).  Returns false, doing nothing, in any other process.
 */
bool init_setup(void);

/* handler for every signal an init forwards (all catchable but the synchronous ones and SIGCHLD).
 */
void init_forward_all(void (*handler)(int));

#endif /* SYSPHASE_CLI_INIT_H */

/* SPDX-License-Identifier: MIT */
/*
 * The generated tables (build/xlat/<kind>.c, from core/xlat/<kind>.in).
 * Private to core: other libraries reach them through sp_xlat_get().
 */
#ifndef SYSPHASE_CORE_XLAT_TABLES_H
#define SYSPHASE_CORE_XLAT_TABLES_H

#include "sysphase/core.h"

extern const struct sp_xlat sp_xlat_errno;
extern const struct sp_xlat sp_xlat_signals;

#endif /* SYSPHASE_CORE_XLAT_TABLES_H */

/* SPDX-License-Identifier: MIT */
/*
 * The Landlock part of a policy, private to policy/: each phase's own
 * rules (what it was seen touching, with provenance) and its layer (the
 * union over every phase it can reach, as seccomp's enforce view).
 * policy/landlock.c derives it from a trace; policy/landlock_json.c
 * reads and writes it.
 */
#ifndef SYSPHASE_POLICY_LANDLOCK_IMPL_H
#define SYSPHASE_POLICY_LANDLOCK_IMPL_H

#include "policy_impl.h"
#include "sysphase/landlock.h"

struct ll_rule {
	char *path;      /* absolute */
	uint64_t access; /* SP_LL_FS_* */
	bool dir;        /* the rule is on a directory (rights beneath it) */
	char *why;       /* provenance: "opened", "generalised: ..." */
};

/* What one phase was seen doing, or a union of such. */
struct ll_set {
	struct ll_rule *rules; /* sorted by path */
	size_t n_rules;
	struct sp_ll_port *ports; /* sorted by port */
	size_t n_ports;
	bool signals_others; /* sent a signal to another thread or process */
	bool abstract_unix;  /* connected or sent to an abstract unix socket */
	/* connected to a port the kernel chose at bind(port 0): another run gets another */
	bool connect_unpredictable;
	char *unresolved; /* why its paths cannot be known soundly, or NULL */
	char **made;      /* directories it made (mkdir): not in policy.json, derivation only */
	size_t n_made;
};

struct ll_phase {
	struct ll_set own;
	/* The layer `run` gives a thread entering the phase. */
	bool has_layer;
	char *no_layer; /* why not, when !has_layer */
	char *fs_off;   /* why the layer has no file system part (a phase it reaches), or NULL */
	int layer_id;   /* equal ids, equal layers: run skips one the thread holds */
	uint64_t handled_fs, handled_net, scoped;
	struct sp_ll_path *paths; /* the layer's rules (path strings owned by own/layer_rules) */
	size_t n_paths;
	struct ll_rule *layer_rules; /* owned copies behind paths, with provenance */
	struct sp_ll_port *ports;
	size_t n_ports;
	int depth; /* most layers a thread can hold in it, sysphase's included */
};

struct sp_landlock {
	size_t n_phases; /* the policy's */
	struct ll_phase *ph;
	size_t budget; /* layers sysphase may stack on any path through the phases */
};

/* A string set with an index per string (open addressing); zeroed is empty. */
struct ll_strmap {
	size_t cap, n;
	char **keys;
	size_t *vals;
};

/* 1 with *val when key is present, else 0. */
int ll_strmap_find(const struct ll_strmap *m, const char *key, size_t *val);
int ll_strmap_put(struct ll_strmap *m, const char *key, size_t val); /* 0 or -ENOMEM */
void ll_strmap_free(struct ll_strmap *m);

/* What the collector gathers per phase (policy/landlock.c). */
struct cphase {
	char *name;
	struct ll_set s;
	size_t cap_rules, cap_ports;
	struct ll_strmap rule_of;  /* path -> index in s.rules */
	struct ll_strmap looked;   /* "dir\0name" joined as "dir/name": distinct names looked up */
	struct ll_strmap names_in; /* dir -> how many distinct names were looked up in it */
	struct ll_strmap made;     /* directories the phase made itself (mkdir succeeded) */
};

struct sp_landlock_collector {
	struct cphase *ph;
	size_t n_ph, cap_ph;
	struct cproc *procs;
	size_t n_procs, cap_procs;
	bool bound_any_port;        /* some bind() asked for port 0 */
	struct ll_strmap ephemeral; /* ports getsockname() then reported, in decimal */
};

void ll_set_free(struct ll_set *s);

/* Adds or widens a rule of ph.  0 or -ENOMEM. */
int ll_add_rule(struct cphase *ph, const char *path, uint64_t access, bool dir, const char *why);
int ll_add_port(struct cphase *ph, uint64_t port, uint64_t access);
/* ll_add_rule, but per-process /proc files go on /proc (a new inode in every process). */
int ll_add_file(struct cphase *ph, const char *path, uint64_t access, bool dir, const char *why);
/* execute and read_file on the program and its interpreters (PT_INTERP, "#!"). */
int ll_add_exec(struct cphase *ph, const char *path, const char *why);
/* Notes that the phase looked up path's last component (evidence for generalisation). */
int ll_looked_up(struct cphase *ph, const char *path);
/* The collector's phase called name, made on first use; NULL on ENOMEM. */
struct cphase *ll_phase_get(struct sp_landlock_collector *c, const char *name);

/* The directory part of an absolute normalised path ("/" for "/x"). */
void ll_dir_of(const char *path, char *out, size_t n);
void ll_phase_free(struct ll_phase *ph);

/* Computes every phase's layer from the own sets: p gives reach and edges. 0 or -ENOMEM. */
int ll_derive_layers(struct sp_landlock *ll, const struct sp_policy *p);

/* policy.json's "landlock" (docs/policy-format.md); NULL on ENOMEM. */
json_t *ll_to_json(const struct sp_landlock *ll, const struct sp_policy *p);

/*
 * Reads "landlock" back into p->landlock (o borrowed; name for messages).
 * Phases are matched by name, so p's phases must be read first.  0, or
 * -EINVAL with diag "name: /landlock/...: what", -ENOMEM.
 */
int ll_from_json(const json_t *o, struct sp_policy *p, const char *name, struct sp_diag *diag);

#endif /* SYSPHASE_POLICY_LANDLOCK_IMPL_H */

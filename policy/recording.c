/* SPDX-License-Identifier: MIT */
/*
 * What the traces a policy was built from carried (policy.json's
 * `recording`): whether they had call stacks, with or without function
 * names, and whether their decoder cut strings, at what length.  Rules can
 * need both (`stack` triggers test function names, string predicates
 * whole strings), and static completion needs stacks: `run` warns when
 * the recording lacked what the policy's rules need, since a transition
 * the recording missed is a phase its filters were cut wrong for.
 * Read from the events themselves, so that any trace says it.
 */
#include <errno.h>
#include <string.h>

#include "policy_impl.h"

static const char *const stack_names[] = {
    [SP_REC_NO_STACKS] = "none",
    [SP_REC_ADDRESSES] = "addresses",
    [SP_REC_SYMBOLS] = "symbols",
};

void sp_rec_init(struct sp_policy_recording *r)
{
	*r = (struct sp_policy_recording){.stacks = SP_REC_UNKNOWN, .cut_at = -1};
}

/* A string the decoder cut carries a sibling "<key>_truncated": true (docs/trace-format.md). */
static void note_cut(struct sp_policy_recording *r, json_t *dec)
{
	const char *key;
	json_t *v;

	json_object_foreach(dec, key, v) {
		size_t len = strlen(key);
		const char *sfx = "_truncated";
		char base[128];
		json_t *s;

		if (!json_is_true(v) || len <= strlen(sfx) || len - strlen(sfx) >= sizeof(base) ||
		    strcmp(key + len - strlen(sfx), sfx) != 0)
			continue;
		memcpy(base, key, len - strlen(sfx));
		base[len - strlen(sfx)] = '\0';
		s = json_object_get(dec, base);
		if (json_is_string(s) &&
		    (r->cut_at <= 0 || (long)json_string_length(s) < r->cut_at))
			r->cut_at = (long)json_string_length(s);
	}
}

void sp_rec_note(struct sp_rec_source *s, struct sp_policy_recording *r, const struct sp_event *ev)
{
	size_t i;
	json_t *frame;

	if (ev->type != SP_EV_SYSCALL)
		return;
	s->syscalls++;
	if (!s->unread_strings && r->cut_at < 0)
		r->cut_at = 0; /* a trace whose strings are read: none cut so far */
	if (!s->unread_strings && json_is_object(ev->dec))
		note_cut(r, ev->dec);
	if (!json_is_array(ev->stack) || json_array_size(ev->stack) == 0)
		return;
	s->stacked++;
	if (s->symbols)
		return;
	json_array_foreach(ev->stack, i, frame) {
		if (json_is_string(json_object_get(frame, "fn"))) {
			s->symbols = true;
			break;
		}
	}
}

void sp_rec_fold(struct sp_rec_source *s, struct sp_policy_recording *r)
{
	bool stacks_unknown = s->stacks_unknown, cut_unknown = s->cut_unknown;
	int stacks;

	if (s->syscalls > 0) {
		stacks_unknown |= s->unread_stacks;
		cut_unknown |= s->unread_strings;
	}
	if (stacks_unknown)
		r->stacks = SP_REC_UNKNOWN;
	if (cut_unknown)
		r->cut_at = -1;
	if (s->syscalls > 0 && !stacks_unknown) {
		stacks = s->stacked == 0 ? SP_REC_NO_STACKS
		         : s->symbols    ? SP_REC_SYMBOLS
		                         : SP_REC_ADDRESSES;
		if (r->stacks == SP_REC_UNKNOWN || stacks < r->stacks)
			r->stacks = stacks;
	}
	*s = (struct sp_rec_source){.stacks_unknown = stacks_unknown, .cut_unknown = cut_unknown};
}

json_t *sp_rec_to_json(const struct sp_policy_recording *r)
{
	json_t *o = json_object();

	if (!o ||
	    (r->stacks >= SP_REC_NO_STACKS && r->stacks <= SP_REC_SYMBOLS &&
	     json_object_set_new(o, "stacks", json_string(stack_names[r->stacks])) < 0) ||
	    (r->cut_at >= 0 &&
	     json_object_set_new(o, "strings_cut_at", json_integer((json_int_t)r->cut_at)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int sp_rec_from_json(json_t *v, struct sp_policy_recording *r)
{
	json_t *st = json_object_get(v, "stacks"), *cut = json_object_get(v, "strings_cut_at");

	sp_rec_init(r);
	if (!v)
		return 0;
	if (!json_is_object(v) || (st && !json_is_string(st)) ||
	    (cut && (!json_is_integer(cut) || json_integer_value(cut) < 0)))
		return -EINVAL;
	for (int i = SP_REC_NO_STACKS; st && i <= SP_REC_SYMBOLS; i++)
		if (strcmp(json_string_value(st), stack_names[i]) == 0)
			r->stacks = i;
	if (st && r->stacks == SP_REC_UNKNOWN)
		return -EINVAL;
	r->cut_at = cut ? (long)json_integer_value(cut) : -1;
	return 0;
}

void sp_rec_source_reads(struct sp_rec_source *s, bool stacks, bool strings)
{
	s->unread_stacks = !stacks;
	s->unread_strings = !strings;
}

const struct sp_policy_recording *sp_policy_recording(const struct sp_policy *p)
{
	return &p->rec;
}

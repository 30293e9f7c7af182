/* SPDX-License-Identifier: MIT */
/*
 * Output files written the way `cp` or a shell redirect writes them:
 * through a character device, a FIFO or a symlink; atomically (a
 * temporary file renamed over the old one) only for a regular file, so
 * that `report -o /dev/null` never replaces /dev/null and a failed write
 * never leaves half a file where a whole one was.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysphase/core.h"

struct sp_output {
	FILE *f;
	bool is_stdout;
	char *dest; /* where the temporary file goes at commit; NULL when writing through */
	char *tmp;
	const char *path; /* as given, for messages (borrowed) */
};

static void output_free(struct sp_output *o)
{
	free(o->dest);
	free(o->tmp);
	free(o);
}

/*
 * A fresh file next to dest.  O_EXCL with a random name rather than
 * mkstemp(): the file is created with 0666 less the umask, as the
 * shell would create dest itself, instead of mkstemp's 0600.
 */
static int open_temp(struct sp_output *o, const struct stat *old)
{
	const char *slash = strrchr(o->dest, '/');
	int dirlen = slash ? (int)(slash - o->dest) + 1 : 0;
	const char *base = slash ? slash + 1 : o->dest;

	for (int tries = 0; tries < 100; tries++) {
		unsigned long long r = 0;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r ^= (unsigned long long)getpid() << 20 ^ (unsigned long long)tries;
		free(o->tmp);
		if (asprintf(&o->tmp, "%.*s.%s.sysphase-%012llx", dirlen, o->dest, base,
		             r & 0xffffffffffffull) < 0) {
			o->tmp = NULL;
			return -ENOMEM;
		}
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -errno;
		/* Replacing a file keeps its permissions, as writing into it would. */
		if (old && fchmod(fd, old->st_mode & 07777) < 0) {
			int err = errno;

			close(fd);
			unlink(o->tmp);
			return -err;
		}
		o->f = fdopen(fd, "w");
		if (!o->f) {
			int err = errno;

			close(fd);
			unlink(o->tmp);
			return -err;
		}
		return 0;
	}
	return -EEXIST;
}

static int open_through(struct sp_output *o, const char *path, unsigned flags)
{
	int mode = flags & SP_OUTPUT_APPEND ? O_APPEND : O_TRUNC;
	int fd = open(path, O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0666);

	if (fd < 0)
		return -errno;
	o->f = fdopen(fd, flags & SP_OUTPUT_APPEND ? "a" : "w");
	if (!o->f) {
		int err = errno;

		close(fd);
		return -err;
	}
	return 0;
}

/*
 * Where a regular file's replacement goes: path itself, or for a symlink
 * the file it finally names (the link stays a link, as with `cp`).  NULL
 * dest with rc 0: write through instead.
 */
static int pick_dest(const char *path, char **dest, struct stat *st, bool *exists)
{
	struct stat lst;

	*dest = NULL;
	*exists = false;
	if (lstat(path, &lst) < 0) {
		if (errno != ENOENT)
			return -errno;
		*dest = strdup(path);
		return *dest ? 0 : -ENOMEM;
	}
	if (S_ISDIR(lst.st_mode))
		return -EISDIR;
	if (S_ISLNK(lst.st_mode)) {
		char *real = realpath(path, NULL);

		/* A dangling link, or one to a device or FIFO: the shell writes through it. */
		if (!real)
			return errno == ENOENT ? 0 : -errno;
		if (stat(real, st) < 0) {
			free(real);
			return -errno;
		}
		if (!S_ISREG(st->st_mode)) {
			free(real);
			return S_ISDIR(st->st_mode) ? -EISDIR : 0;
		}
		*dest = real;
		*exists = true;
		return 0;
	}
	if (!S_ISREG(lst.st_mode))
		return 0; /* character device, FIFO, socket, block device */
	*st = lst;
	*exists = true;
	*dest = strdup(path);
	return *dest ? 0 : -ENOMEM;
}

int sp_output_open(const char *path, unsigned flags, struct sp_output **out, struct sp_diag *diag)
{
	struct sp_output *o = calloc(1, sizeof(*o));
	struct stat st;
	bool exists;
	int rc;

	*out = NULL;
	if (!o)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	o->path = path;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		o->is_stdout = true;
		*out = o;
		return 0;
	}
	if (flags & (SP_OUTPUT_STREAM | SP_OUTPUT_APPEND)) {
		rc = open_through(o, path, flags);
	} else {
		rc = pick_dest(path, &o->dest, &st, &exists);
		if (rc == 0)
			rc = o->dest ? open_temp(o, exists ? &st : NULL)
			             : open_through(o, path, flags);
	}
	if (rc < 0) {
		output_free(o);
		return sp_diag_set(diag, -rc, "cannot write '%s': %s", path, strerror(-rc));
	}
	*out = o;
	return 0;
}

FILE *sp_output_stream(const struct sp_output *o)
{
	return o->f;
}

const char *sp_output_temp_path(const struct sp_output *o)
{
	return o->tmp;
}

int sp_output_commit(struct sp_output *o, struct sp_diag *diag)
{
	int rc = 0;

	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		rc = -(errno ? errno : EIO);
	/* Data first, then the name: a crash must not leave an empty file under the old name. */
	if (rc == 0 && o->tmp && fsync(fileno(o->f)) < 0)
		rc = -errno;
	if (!o->is_stdout && fclose(o->f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && o->tmp && rename(o->tmp, o->dest) < 0)
		rc = -errno;
	if (rc < 0 && o->tmp)
		unlink(o->tmp);
	if (rc < 0)
		sp_diag_set(diag, -rc, "cannot write '%s': %s", o->path, strerror(-rc));
	output_free(o);
	return rc;
}

void sp_output_abort(struct sp_output *o)
{
	if (!o)
		return;
	if (!o->is_stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	output_free(o);
}

/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stddef.h>

#include "glob.h"

const char *sp_glob_check(const char *pattern, int *offset)
{
	size_t i;

	if (!*pattern) {
		*offset = 0;
		return "empty glob";
	}
	for (i = 0; pattern[i]; i++) {
		if (pattern[i] == '\\') {
			if (!pattern[i + 1]) {
				*offset = (int)i;
				return "glob ends in an unescaped backslash";
			}
			i++;
		} else if (pattern[i] == '[') {
			size_t j = i + 1;

			if (pattern[j] == '!' || pattern[j] == '^')
				j++;
			if (pattern[j] == ']') /* a leading ']' is a member, not the end */
				j++;
			while (pattern[j] && pattern[j] != ']')
				j++;
			if (!pattern[j]) {
				*offset = (int)i;
				return "unterminated '[' in glob";
			}
			if (j == i + 1) {
				*offset = (int)i;
				return "empty '[]' in glob";
			}
			i = j;
		}
	}
	return NULL;
}

size_t sp_glob_min_len(const char *pattern)
{
	size_t n = 0;

	for (size_t i = 0; pattern[i]; i++) {
		if (pattern[i] == '*')
			continue;
		n++;
		if (pattern[i] == '\\' && pattern[i + 1]) {
			i++;
		} else if (pattern[i] == '[') {
			size_t j = i + 1;

			if (pattern[j] == '!' || pattern[j] == '^')
				j++;
			if (pattern[j] == ']')
				j++;
			while (pattern[j] && pattern[j] != ']')
				j++;
			if (pattern[j])
				i = j;
		}
	}
	return n;
}

bool sp_glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

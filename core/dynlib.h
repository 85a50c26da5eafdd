/* A shared library opened on first use: what few runs need is not loaded by every run. */
#ifndef TR_DYNLIB_H
#define TR_DYNLIB_H

#include <stdbool.h>

/*
 * fns points at a struct of function pointers, one per name of names (NULL-ended), in order; each is
 * typed from the library's own header (__typeof__(&fn)), so calls are checked as linked ones are.
 */
struct dynlib {
	const char *soname;
	const char *const *names;
	void *fns;
	int state;		/* 0 not tried, 1 open, -1 failed: err says why */
	char err[192];
};

/* At file scope beside a library's definition: its struct has exactly one pointer per name. */
#define DYNLIB_MATCHES(fns, names) \
	_Static_assert(sizeof(fns) == (sizeof(names) / sizeof((names)[0]) - 1) * sizeof(void *), \
		       #fns " has one function pointer per name of " #names)

/* true when the library opened and every name resolved; else false, with lib->err (soname and cause). */
bool dynlib_open(struct dynlib *lib);

#endif

/* A shared library opened on first use: what few runs need is not loaded by every run. */
#ifndef TR_DYNLIB_H
#define TR_DYNLIB_H

#include <stdbool.h>

/* fns points at a struct of function pointers, one per name of names (NULL-ended), in order. */
struct dynlib {
	const char *soname;
	const char *const *names;
	void *fns;
	int state;		/* 0 not tried, 1 open, -1 failed: err says why */
	char err[192];
};

/*
 * At file scope, a library from one list of its functions, LIST(X) expanding to X(fn) for each:
 * `struct dynlib var` and `var_fn`, whose member fn is typed from the library's own header
 * (__typeof__(&fn)), so a call var_fn.fn(...) is checked as a linked one is.
 */
#define DYNLIB_MEMBER(fn) __typeof__(&fn) fn;
#define DYNLIB_NAME(fn) #fn,
#define DYNLIB(var, so, LIST) \
	static struct { LIST(DYNLIB_MEMBER) } var##_fn; \
	static const char *const var##_names[] = { LIST(DYNLIB_NAME) NULL }; \
	_Static_assert(sizeof(var##_fn) == (sizeof(var##_names) / sizeof(var##_names[0]) - 1) * sizeof(void *), \
		       #var "_fn is an array of function pointers"); \
	static struct dynlib var = { .soname = so, .names = var##_names, .fns = &var##_fn }

/* true when the library opened and every name resolved; else false, with lib->err (soname and cause). */
bool dynlib_open(struct dynlib *lib);

#endif

/* The tree's files as apply and revert write them, and the one way tuners run a program. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sysroot.h"

/* Paths under /sys and /proc: kernel attributes on the live host. */
bool is_pseudo(const char *path);
/* Write helpers shared with revert: one write() of len bytes, truncating a tree's file first. */
int tree_write(const struct sysroot *sr, const char *path, const char *data, size_t len);
/* Largest file apply reads whole (an old value it journals); a bigger one is an error before any write. */
#define TREE_READ_MAX (64u << 20)
/* Reads a whole file (cap TREE_READ_MAX) through sysroot's bounded, non-blocking reader; -ENOENT when absent. */
int tree_read(const struct sysroot *sr, const char *path, char **out, size_t *len);
/* mkdir -p under the root with mode for the directories it creates. */
int tree_mkdir_p(const struct sysroot *sr, const char *path, mode_t mode);
/* Runs argv (no shell) and waits; returns the exit status, or -errno. */
int run_argv(char *const argv[]);

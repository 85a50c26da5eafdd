/* The fleet summary (tickready.fleet/1): many hosts' report files, one row per host. */
#pragma once
#include <stdio.h>
#include <time.h>
#include <jansson.h>

#include "out_opts.h"

#define FLEET_SCHEMA "tickready.fleet/1"

/*
 * Reads every *.json file in dir: each must be a tickready.report/1 document (a tickready.fleet/1
 * file, this summary itself, is passed over). HOST.html beside HOST.json is linked as the host's
 * page; dot files are ignored; any other entry is a foreign file. A report generated more than
 * stale_s seconds before now is marked stale. Returns 0, or -errno / -EINVAL with err naming the file.
 */
int fleet_load(const char *dir, long stale_s, time_t now, json_t **out, char *err, size_t size);
int fleet_write_html(FILE *out, const json_t *fleet, const struct out_opts *o);
int fleet_write_text(FILE *out, const json_t *fleet, const struct out_opts *o);

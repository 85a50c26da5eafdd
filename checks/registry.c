/* The registry table, expanded from CHECK_LIST: a check left out of its area file fails at link time. */
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const struct check *const checks[] = {
#define X(n) &check_##n,
	CHECK_LIST(X)
#undef X
};
const size_t checks_count = sizeof(checks) / sizeof(checks[0]);

const struct check *check_find(const char *id)
{
	for (size_t i = 0; i < checks_count; i++)
		if (!strcmp(checks[i]->id, id))
			return checks[i];
	return NULL;
}

void check_run(const struct check *c, const struct check_ctx *ctx, struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->check = c;
	f->verdict = V_SKIP;
	c->run(ctx, f);
	f->check = c;
	if (!f->observed)
		f->observed = xstrdup("check reported nothing");
	if (f->verdict == V_PASS || f->verdict == V_SKIP) {
		free(f->remedy);
		f->remedy = NULL;
	}
}

int checks_select(const char *only, bool *selected, char *bad, size_t size)
{
	bool any = only && *only;

	for (size_t i = 0; i < checks_count; i++)
		selected[i] = !any;
	for (const char *p = only; any && *p;) {
		size_t n = strcspn(p, ",");
		char word[64];
		bool hit = false;
		int area;

		if (n == 0 || n >= sizeof(word)) {
			snprintf(bad, size, "%.*s", (int)(n < 60 ? n : 60), p);
			return -EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		area = area_from_name(word);
		for (size_t i = 0; i < checks_count; i++)
			if ((area >= 0 && (int)checks[i]->area == area) || !strcmp(checks[i]->id, word)) {
				selected[i] = true;
				hit = true;
			}
		if (!hit) {
			snprintf(bad, size, "%s", word);
			return -EINVAL;
		}
		p += n;
		if (*p == ',' && !*++p) {
			snprintf(bad, size, "%s", "");
			return -EINVAL;
		}
	}
	return 0;
}

bool checks_read_procs(const bool *selected)
{
	for (size_t i = 0; i < checks_count; i++)
		if ((!selected || selected[i]) && (checks[i]->flags & CF_PROCS))
			return true;
	return false;
}

/* A check judging one NIC runs for the default [nic], then for each role with the role's view, findings side by side. */
struct finding *checks_run(const struct check_ctx *ctx, const bool *selected, size_t *n)
{
	const struct profile *p = ctx->prof;
	struct finding *out = xcalloc(checks_count * (1 + p->nroles), sizeof(*out));

	*n = 0;
	for (size_t i = 0; i < checks_count; i++) {
		if (!(selected ? selected[i] : (ctx->app || checks[i]->area != AREA_APP)))
			continue;
		check_run(checks[i], ctx, &out[(*n)++]);
		for (size_t r = 0; (checks[i]->flags & CF_PER_NIC) && r < p->nroles; r++) {
			const struct profile *view = p->roles[r].view;
			struct check_ctx rc = { ctx->host, view, ctx->sr, ctx->app };
			struct finding *f;

			if (!view)
				continue;	/* not resolved for a host */
			f = &out[(*n)++];
			check_run(checks[i], &rc, f);
			f->role = xstrdup(p->roles[r].name);
			if (view->nic)
				f->nic = xstrdup(view->nic->name[0] ? view->nic->name : view->nic->pci);
		}
	}
	return out;
}

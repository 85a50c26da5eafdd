/* The registry table, expanded from CHECK_LIST: a check left out of its area file fails at link time. */
#include "registry.h"

#include <string.h>

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

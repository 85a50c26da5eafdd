/* The mode table: one pointer per row of VERIFY_MODE_LIST, and what reads it by name. */
#include "mode.h"

#include <errno.h>
#include <string.h>

#include "verify_env.h"

const struct verify_mode_def *const verify_modes[VM_COUNT] = {
#define VERIFY_MODE_ROW(e, n) [e] = &verify_mode_##n,
	VERIFY_MODE_LIST(VERIFY_MODE_ROW)
#undef VERIFY_MODE_ROW
};

const char *const verify_opt_names[VO_COUNT] = {
#define VERIFY_OPT_NAME(e, n) [e] = n,
	VERIFY_MODE_OPTS(VERIFY_OPT_NAME)
#undef VERIFY_OPT_NAME
};

int verify_opt_find(const char *name)
{
	for (int i = 0; name && i < VO_COUNT; i++)
		if (!strcmp(verify_opt_names[i], name))
			return i;
	return -1;
}

int verify_mode_parse(const char *s, enum verify_mode *out)
{
	for (int i = 0; i < VM_COUNT; i++) {
		if (!strcmp(s, verify_modes[i]->name)) {
			*out = (enum verify_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *verify_mode_role(enum verify_mode m, int i)
{
	const char *const *roles = verify_modes[m]->roles;
	int n = 0;

	while (roles[n + 1] && n < i)
		n++;
	return roles[n];
}

const char *verify_mode_names(int vo, bool mark_default, char *buf, size_t size)
{
	int taking[VM_COUNT], n = 0;
	size_t off = 0;

	for (int i = 0; i < VM_COUNT; i++)
		if (vo < 0 || (verify_modes[i]->opts & VO_BIT(vo)))
			taking[n++] = i;
	buf[0] = '\0';
	for (int k = 0; k < n && off < size; k++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s%s", k == 0 ? "" : k == n - 1 ? " or " : ", ",
					verify_modes[taking[k]]->name,
					mark_default && taking[k] == VM_DEFAULT ? " (default)" : "");
	return buf;
}

enum verify_mode verify_mode_effective(enum verify_mode m, unsigned given)
{
	/* The command line: a kernel-vs-bypass over lists of rates or sizes is what sweep measures. */
	if (m == VM_KVB && (given & (VO_BIT(VO_RATES) | VO_BIT(VO_SIZES))))
		return VM_SWEEP;
	return m;
}

long verify_sweep_payload(long ip_size)
{
	return ip_size - VENV_IP_UDP_HDR;
}

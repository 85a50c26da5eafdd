/* DPDK telemetry v2: the server speaks first (a JSON greeting), then answers each command with one message. */
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* DPDK 22.11's MAX_OUTPUT_LEN is 16 KiB; a larger bound costs nothing and survives a newer server. */
#define TELEMETRY_BUF (64 * 1024)

static int recv_json(int fd, json_t **out)
{
	char *buf = malloc(TELEMETRY_BUF + 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	do
		n = recv(fd, buf, TELEMETRY_BUF, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int rc = n < 0 ? -errno : -EIO;

		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = json_loadb(buf, (size_t)n, JSON_DECODE_ANY, NULL);
	free(buf);
	return *out ? 0 : -EPROTO;
}

int telemetry_open(struct telemetry *t, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	json_t *hello, *v;
	int rc;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	strcpy(sun.sun_path, path);
	t->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -errno;
	if (connect(t->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = recv_json(t->fd, &hello);
	if (rc < 0)
		goto fail;
	v = json_object_get(hello, "version");
	if (!json_is_object(hello) || !json_is_string(v) || !json_is_integer(json_object_get(hello, "pid"))) {
		json_decref(hello);
		rc = -EPROTO;
		goto fail;
	}
	snprintf(t->version, sizeof(t->version), "%s", json_string_value(v));
	t->pid = (long)json_integer_value(json_object_get(hello, "pid"));
	t->max_output = (size_t)json_integer_value(json_object_get(hello, "max_output_len"));
	json_decref(hello);
	return 0;
fail:
	close(t->fd);
	t->fd = -1;
	return rc;
}

json_t *telemetry_query(struct telemetry *t, const char *cmd, int *rc)
{
	json_t *answer, *v = NULL, *each;
	const char *key;
	size_t klen = strcspn(cmd, ",");

	if (send(t->fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
		*rc = -errno;
		return NULL;
	}
	*rc = recv_json(t->fd, &answer);
	if (*rc < 0)
		return NULL;
	/* {"/ethdev/stats": {...}}: the single key is the command without its parameter. */
	if (!json_is_object(answer) || json_object_size(answer) != 1) {
		json_decref(answer);
		*rc = -EPROTO;
		return NULL;
	}
	json_object_foreach(answer, key, each) {
		if (strlen(key) != klen || strncmp(key, cmd, klen)) {
			json_decref(answer);
			*rc = -EPROTO;
			return NULL;
		}
		v = json_incref(each);
	}
	json_decref(answer);
	if (!v || json_is_null(v)) {
		json_decref(v);
		*rc = -ENOENT;
		return NULL;
	}
	*rc = 0;
	return v;
}

void telemetry_close(struct telemetry *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

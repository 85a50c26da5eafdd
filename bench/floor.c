/* floor.c - the file-read floor: opens and reads to the end every file (lists every directory, only looks up
 * every '@'-ended path) named in LIST, one path a line, and nothing else; what a program that reads the same
 * files as an audit cannot go under. With -s, each file is opened as tickready opens a tree's (core/sysroot.c):
 * looked up O_PATH, fstat, reopened through /proc/self/fd only when regular, so that no device node is opened. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* -s: a regular file's read descriptor, reached without opening anything else; -1 if it is not one. */
static int open_safely(const char *path)
{
	char self[32];
	struct stat st;
	int pfd = open(path, O_PATH | O_CLOEXEC), fd = -1;

	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
		fd = open(self, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	}
	close(pfd);
	return fd;
}

int main(int argc, char **argv)
{
	char line[4096], buf[65536];
	int safe = argc == 3 && !strcmp(argv[1], "-s");
	FILE *list;

	if (argc != 2 + safe || !(list = fopen(argv[1 + safe], "r"))) {
		fprintf(stderr, "usage: floor [-s] LIST (one path a line; a trailing '/' lists a directory, '@' only opens O_PATH)\n");
		return 2;
	}
	while (fgets(line, sizeof(line), list)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		if (n > 1 && line[n - 1] == '/') {
			DIR *d = opendir(line);

			if (d) {
				while (readdir(d))
					;
				closedir(d);
			}
			continue;
		}
		if (n > 1 && line[n - 1] == '@') {
			line[n - 1] = '\0';
			int pfd = open(line, O_PATH | O_CLOEXEC);

			if (pfd >= 0)
				close(pfd);
			continue;
		}
		int fd = safe ? open_safely(line) : open(line, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	fclose(list);
	return 0;
}

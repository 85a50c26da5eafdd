/* floor.c - the file-read floor: opens and reads to the end every file (lists every directory, only looks up
 * every '@'-ended path) named in LIST, one path a line, and nothing else; what a program that reads the same
 * files as an audit cannot go under. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[4096], buf[65536];
	FILE *list;

	if (argc != 2 || !(list = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: floor LIST (one path a line; a trailing '/' lists a directory, '@' only opens O_PATH)\n");
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
		int fd = open(line, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	fclose(list);
	return 0;
}

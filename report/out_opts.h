/* What the command's options ask of every writer. */
#pragma once
#include <stdbool.h>

struct out_opts {
	bool color;	/* ANSI colours in text */
	bool quiet;	/* text: only failures and pending reboot, and the summary line */
};

// SPDX-License-Identifier: MIT
/*
 * Modules in the order the builder recorded (/etc/tinyrd/modules), with
 * their parameters from that file and, as modprobe does, from
 * "name.param=value" on the kernel command line (the kernel itself applies
 * those only to built-in modules).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"
#include "../src/common/abi.h"

/* Module names treat '-' and '_' alike. */
static bool same_name(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen && a[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i];
		char y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == blen && !a[i];
}

/* Config parameters, then the command line's for this module. */
static char *params_for(const char *name, const char *conf, char **cmdline)
{
	size_t len = strlen(conf) + 1;
	char *p;

	for (char **w = cmdline; *w; w++)
		len += strlen(*w) + 1;
	p = malloc(len + 1);
	if (!p)
		return NULL;
	strcpy(p, conf);
	for (char **w = cmdline; *w; w++) {
		const char *dot = strchr(*w, '.'), *eq = strchr(*w, '=');

		if (!dot || (eq && eq < dot) || !same_name(name, *w, (size_t)(dot - *w)))
			continue;
		if (*p)
			strcat(p, " ");
		strcat(p, dot + 1);
	}
	return p;
}

void load_modules(char **cmdline)
{
	char *conf = slurp(TINYRD_CONF_MODULES, NULL), *save = NULL;

	if (!conf) {
		if (errno != ENOENT)
			die("read", TINYRD_CONF_MODULES, errno);
		return;
	}
	for (char *line = strtok_r(conf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *name = line, *path, *params, *all, step[128];
		int fd;

		path = strchr(name, ' ');
		if (!path)
			die("parse", TINYRD_CONF_MODULES, EINVAL);
		*path++ = '\0';
		params = strchr(path, ' ');
		if (params)
			*params++ = '\0';
		/* "tinyrd-init: module 9p: File exists" */
		snprintf(step, sizeof(step), "module %s", name);
		all = params_for(name, params ? params : "", cmdline);
		if (!all)
			die(step, NULL, ENOMEM);
		trace("module %s %s", name, all);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(step, path, errno);
		if (syscall(SYS_finit_module, fd, all, 0) < 0) {
			int err = errno;

			/* Already loaded, or built in: say so, go on. */
			if (err != EEXIST)
				die(step, NULL, err);
			complain(step, NULL, err);
		}
		close(fd);
		free(all);
	}
	free(conf);
}

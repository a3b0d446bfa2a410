/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CMD_H
#define TINYRD_CMD_H

/*
 * tinyrd's commands, one file each in src/cmd/: a command parses its
 * options into the plain structs of the layer below (image/, run/, vmm/),
 * calls it, and returns the process status. Only this layer reads argv
 * or prints usage; main.c only dispatches.
 */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;	/* tinyrd --help */
};

extern const struct cmd cmd_build;
extern const struct cmd cmd_inspect;
extern const struct cmd cmd_run;
extern const struct cmd cmd_boot;
extern const struct cmd cmd_doctor;
extern const struct cmd cmd_verify;
extern const struct cmd cmd_cache;
extern const struct cmd cmd_kconfig;

/* The table main.c dispatches from, in --help's order. */
#define CMD_TABLE { &cmd_build, &cmd_inspect, &cmd_run, &cmd_boot, \
		    &cmd_doctor, &cmd_verify, &cmd_cache, \
		    &cmd_kconfig }

#endif

// SPDX-License-Identifier: MIT
/* Reading the guest's console: the init's status line, the panic line,
 * the last lines, whatever the chunking of the stream. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/run/console.h"
#include "../../src/vmm/vmm.h"
#include "../../src/common/abi.h"

static const char boot[] =
	"[    0.000000] Linux version 6.1.0\r\n"
	"[    1.9] Run /init as init process\r\n"
	"tinyrd-init: module 9p: File exists\r\n"
	"tinyrd-init: exit status 7\r\n"
	"[    2.0] reboot: Power down\r\n";

static void test_status_any_chunking(void **state)
{
	(void)state;
	for (size_t chunk = 1; chunk <= sizeof(boot); chunk++) {
		struct console c;

		console_init(&c, -1);
		for (size_t off = 0; off < sizeof(boot) - 1; off += chunk) {
			size_t n = sizeof(boot) - 1 - off < chunk ? sizeof(boot) - 1 - off : chunk;

			console_feed(&c, boot + off, n);
		}
		console_end(&c);
		assert_int_equal(c.status, 7);
		assert_null(c.panic);
		assert_int_equal(c.ntail, 5);
		console_free(&c);
	}
}

static void test_panic_and_tail(void **state)
{
	struct console c;
	struct buf tail = { 0 };

	(void)state;
	console_init(&c, -1);
	for (int i = 0; i < 100; i++) {
		char line[64];

		snprintf(line, sizeof(line), "line %d\r\n", i);
		console_feed(&c, line, strlen(line));
	}
	console_feed(&c, "[ 3.1] Kernel panic - not syncing: sysrq triggered crash\r\n", 58);
	console_feed(&c, "no newline at the end", 21);
	console_end(&c);
	assert_int_equal(c.status, -1);
	assert_string_equal(c.panic, "Kernel panic - not syncing: sysrq triggered crash");
	console_tail(&c, &tail);
	assert_int_equal(c.ntail, CONSOLE_TAIL_LINES);
	assert_non_null(strstr(tail.p, "line 72\nline 73\n"));
	assert_null(strstr(tail.p, "line 71\n"));
	assert_true(str_ends(tail.p, "crash\nno newline at the end\n"));
	buf_free(&tail);
	console_free(&c);
}

/* Not a status: out of range, or not the init's line; the last one wins. */
static void test_status_lines(void **state)
{
	static const char *const cases[][2] = {
		{ "tinyrd-init: exit status 300\n", "-1" },
		{ "tinyrd-init: exit status x\n", "-1" },
		{ "init: exit status 3\n", "-1" },
		{ "tinyrd-init: exit status 1\ntinyrd-init: exit status 255\n", "255" },
		{ "\x1b[0mtinyrd-init: exit status 0\n", "0" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct console c;

		console_init(&c, -1);
		console_feed(&c, cases[i][0], strlen(cases[i][0]));
		console_end(&c);
		assert_int_equal(c.status, atoi(cases[i][1]));
		console_free(&c);
	}
}

/* The init's own failure is told from a command's 125; its start is
 * seen; its own lines, and only those, go on to say_fd as they come. */
static void test_init_lines(void **state)
{
	static const char text[] =
		"[    1.9] Run /init as init process\r\n"
		"tinyrd-init: mount: /mnt: No such device\r\n"
		"tinyrd-init: +1.250 ms mounted\r\n"
		"tinyrd-init: the init failed, exit status 125\r\n";
	struct console c;
	struct buf said = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	console_init(&c, p[1]);
	console_feed(&c, text, sizeof(text) - 1);
	console_end(&c);
	assert_int_equal(c.status, 125);
	assert_true(c.init_failed);
	assert_int_equal(c.started, 0);
	assert_string_equal(c.init_said, "mount: /mnt: No such device");
	close(p[1]);
	assert_int_equal(read_fd(p[0], &said), 0);
	close(p[0]);
	assert_string_equal(said.p, "tinyrd-init: mount: /mnt: No such device\n");
	buf_free(&said);
	console_free(&c);

	/* A command that exits 125 itself, after its start. */
	console_init(&c, -1);
	console_feed(&c, TINYRD_STARTED_LINE "\r\n", strlen(TINYRD_STARTED_LINE) + 2);
	assert_true(c.started > 0);
	console_feed(&c, TINYRD_STATUS_LINE "125\r\n",
		     strlen(TINYRD_STATUS_LINE "125\r\n"));
	console_end(&c);
	assert_int_equal(c.status, 125);
	assert_false(c.init_failed);
	assert_null(c.init_said);
	console_free(&c);
}

/* A wait status as waitpid gives it for an exit with CODE. */
#define EXITED(code) ((code) << 8)

static int qemu_status(const char *text, int wait_status)
{
	struct console c;
	int st;

	console_init(&c, -1);
	console_feed(&c, text, strlen(text));
	console_end(&c);
	st = qemu_reported(c.status, c.panic_after_status, wait_status);
	console_free(&c);
	return st;
}

/* QEMU exits with (port value << 1) | 1: the console line gives bit 7,
 * the port proves the init got there; a panic after the line, or no
 * line and no port, is no report. */
static void test_qemu_status(void **state)
{
	(void)state;
	assert_int_equal(qemu_status("tinyrd-init: exit status 137\n",
				     EXITED(((137 << 1) | 1) & 0xff)), 137);
	assert_int_equal(qemu_status("tinyrd-init: exit status 3\n",
				     EXITED(7)), 3);
	/* Powered off without the port (no ioperm): the line counts. */
	assert_int_equal(qemu_status("tinyrd-init: exit status 3\n",
				     EXITED(0)), 3);
	/* The kernel died between the report and the port. */
	assert_int_equal(qemu_status("tinyrd-init: exit status 0\n"
				     "Kernel panic - not syncing: Attempted to kill init!\n",
				     EXITED(0)), -1);
	/* A panic before the report is the command's business. */
	assert_int_equal(qemu_status("Kernel panic - not syncing: x\n"
				     "tinyrd-init: exit status 5\n", EXITED(11)), 5);
	/* The port without the line: its seven bits. */
	assert_int_equal(qemu_status("garbage\n", EXITED(7)), 3);
	assert_int_equal(qemu_status("garbage\n", EXITED(0)), -1);
	assert_int_equal(qemu_status("", 9 /* killed */), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_any_chunking),
		cmocka_unit_test(test_panic_and_tail),
		cmocka_unit_test(test_status_lines),
		cmocka_unit_test(test_init_lines),
		cmocka_unit_test(test_qemu_status),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}

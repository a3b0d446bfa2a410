/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_INIT_VERIFY_GUEST_H
#define TINYRD_INIT_VERIFY_GUEST_H

/*
 * The guest's half of the data-path check (src/common/abi.h has the
 * formats): read every file of a manifest through the share in several
 * ways and compare with the host's sums, write the sweep, print result
 * lines. Libc only, no exit, no global state but a SIGBUS guard: PID 1
 * runs it before switching root, "tinyrd-init verify MANIFEST" after.
 */
#include <stdio.h>
#include <sys/types.h>

struct stat;

/*
 * Every operation on the share goes through one of these, so that unit
 * tests can fail them. They behave as the libc calls of the same names:
 * -1 (MAP_FAILED for mmap) with errno set; fadvise returns the error.
 */
struct verify_ops {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	ssize_t (*read)(int fd, void *buf, size_t n);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*write)(int fd, const void *buf, size_t n);
	off_t (*lseek)(int fd, off_t off, int whence);
	int (*fstat)(int fd, struct stat *st);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
	int (*munmap)(void *addr, size_t len);
	int (*fsync)(int fd);
	int (*fadvise)(int fd, off_t off, off_t len, int advice);
	int (*mkdir)(const char *path, mode_t mode);
};

extern const struct verify_ops verify_libc_ops;

/*
 * Check the files of the manifest at manifest_path and write the sweep it
 * asks for, printing result lines on out (flushed line by line, so that
 * what was checked survives a guest that dies). Returns the number of
 * failures, or -errno when the manifest cannot be read or parsed (then
 * nothing is printed).
 */
int verify_run(const char *manifest_path, FILE *out);
int verify_run_ops(const char *manifest_path, FILE *out,
		   const struct verify_ops *ops);

#endif

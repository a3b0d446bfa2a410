/* SPDX-License-Identifier: MIT */
/* tinyrd-init, embedded: the default /init of every image (build.c). */
	.section .rodata.tinyrd_init, "a"
	.balign 16
	.globl tinyrd_init_start
	.globl tinyrd_init_end
tinyrd_init_start:
	.incbin TINYRD_INIT_BIN	/* the Makefile names it */
tinyrd_init_end:
	.section .note.GNU-stack, "", @progbits

/* SPDX-License-Identifier: MIT */
/*
 * tinyrd-init, embedded: the default /init of every image (build.c). The
 * first is for this tinyrd's own arch; the second, when the Makefile had
 * a cross compiler for it, for the other arch (init-blob.c tells them apart
 * by their ELF headers).
 */
	.section .rodata.tinyrd_init, "a"
	.balign 16
	.globl tinyrd_init_start
	.globl tinyrd_init_end
	.globl tinyrd_init2_start
	.globl tinyrd_init2_end
tinyrd_init_start:
	.incbin TINYRD_INIT_BIN	/* the Makefile names it */
tinyrd_init_end:
	.balign 16
tinyrd_init2_start:
#ifdef TINYRD_INIT2_BIN
	.incbin TINYRD_INIT2_BIN
#endif
tinyrd_init2_end:
	.section .note.GNU-stack, "", @progbits

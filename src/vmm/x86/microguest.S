/* SPDX-License-Identifier: MIT */
/*
 * doctor's micro-guest: what a stock kernel does first, in a few hundred
 * bytes. Entered in 32-bit protected mode without paging at MICRO_BASE
 * (GDT and identity page tables from boot.c), it enables PAE and long
 * mode and paging itself, jumps to 64-bit code, and runs cmpxchg16b,
 * xsave/xgetbv (when CPUID has them), SSE and rdtsc. It writes one byte to
 * the exit port: 42 when all went well, else the number of the step that
 * failed (see doctor.c). A KVM that cannot run stock kernels (PVM) fails
 * here in milliseconds.
 */
#include "layout.h"

#define MICRO_OK 42
#define MICRO_NO_CX16 2
#define MICRO_CX16_WRONG 3
#define MICRO_XSAVE_WRONG 4	/* XCR0 did not take x87 | SSE */

	.section .rodata.microguest, "a"
	.globl microguest_start
	.globl microguest_end
	.code32
microguest_start:
	mov	$1, %eax
	cpuid
	mov	%ecx, %esi		/* CPUID.1:ECX, kept for later */
	mov	$0x620, %eax		/* CR4: PAE | OSFXSR | OSXMMEXCPT */
	bt	$26, %esi		/* XSAVE? */
	jnc	1f
	or	$0x40000, %eax		/* | OSXSAVE */
1:	mov	%eax, %cr4
	mov	$PML4_ADDR, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER */
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax	/* PG | PE */
	mov	%eax, %cr0
	ljmp	$SEL_CODE64, $(MICRO_BASE + long64 - microguest_start)

	.code64
long64:
	mov	$SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %ss
	mov	$MICRO_DATA + 0x1000, %rsp
	/* cmpxchg16b on zeroed memory: equal, so it stores rcx:rbx. */
	mov	$MICRO_NO_CX16, %al
	bt	$13, %esi
	jnc	report
	mov	$MICRO_DATA, %rdi
	movq	$0, (%rdi)
	movq	$0, 8(%rdi)
	xor	%eax, %eax
	xor	%edx, %edx
	mov	$0x1234, %ebx
	mov	$0x5678, %ecx
	lock cmpxchg16b (%rdi)
	mov	$MICRO_CX16_WRONG, %al
	jnz	report
	cmpq	$0x1234, (%rdi)
	jne	report
	cmpq	$0x5678, 8(%rdi)
	jne	report
	/* xsetbv/xgetbv/xsave when the CPU has them: turn on x87 and SSE
	 * state as a kernel does, read it back, save it. */
	bt	$26, %esi
	jnc	2f
	xor	%ecx, %ecx
	mov	$3, %eax
	xor	%edx, %edx
	xsetbv
	xor	%ecx, %ecx
	xgetbv
	mov	$MICRO_XSAVE_WRONG, %bl
	and	$3, %eax
	cmp	$3, %eax
	jne	fail_bl
	mov	$MICRO_DATA + 0x2000, %rdi
	mov	$3, %eax
	xor	%edx, %edx
	xsave	(%rdi)
2:	/* SSE and the time stamp counter. */
	pxor	%xmm0, %xmm0
	movdqa	%xmm0, MICRO_DATA + 0x40
	rdtsc
	mov	$MICRO_OK, %al
report:
	mov	$TINYRD_EXIT_PORT, %dx
	out	%al, %dx
	hlt
	jmp	report
fail_bl:
	mov	%bl, %al
	jmp	report
microguest_end:

	.section .note.GNU-stack, "", @progbits

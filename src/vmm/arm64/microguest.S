/* SPDX-License-Identifier: MIT */
/*
 * doctor's micro-guest for arm64: what a stock kernel needs first, in a
 * few instructions. Entered at EL1h with the MMU off at RAM_BASE, it
 * turns on FP/SIMD (CPACR_EL1.FPEN) and uses it, reads the virtual
 * counter, writes 42 to MICRO_REPORT (an MMIO exit: KVM runs it, the
 * launcher sees it), and powers off by PSCI SYSTEM_OFF over HVC, as the
 * kernel does at the end: the launcher sees a system event.
 */
#include "layout.h"

#define MICRO_OK 42

	.section .rodata.microguest, "a"
	.globl microguest_start
	.globl microguest_end
	.balign 4
microguest_start:
	mov	x1, #(3 << 20)		/* CPACR_EL1.FPEN: no FP traps */
	msr	cpacr_el1, x1
	isb
	fmov	d0, x1
	fmov	x2, d0
	cmp	x1, x2
	mov	x0, #1			/* FP/SIMD gave a wrong value */
	b.ne	report
	mrs	x3, cntvct_el0
	mov	x0, #MICRO_OK
report:
	ldr	x4, =MICRO_REPORT
	str	w0, [x4]
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
1:	wfi
	b	1b
	.ltorg
microguest_end:

	.section .note.GNU-stack, "", %progbits

// SPDX-License-Identifier: MIT
/*
 * kvmcpuid: what KVM_GET_SUPPORTED_CPUID of /dev/kvm says, for the tests
 * to check tinyrd's reading of it against (an oracle that shares no code
 * with tinyrd):
 *
 *   kvmcpuid LEAF[:INDEX]...
 *
 * prints "eax ebx ecx edx" in hex for each leaf (INDEX 0 unless given),
 * or "-" when KVM does not list it. Exit status 1 when /dev/kvm cannot
 * be opened or asked, with the reason on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX 512

int main(int argc, char **argv)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX * sizeof(c->entries[0]));
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0 || !c) {
		fprintf(stderr, "kvmcpuid: /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	c->nent = MAX;
	if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		fprintf(stderr, "kvmcpuid: KVM_GET_SUPPORTED_CPUID: %s\n",
			strerror(errno));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *colon;
		unsigned long leaf = strtoul(argv[i], &colon, 0), index = 0;
		unsigned n;

		if (*colon == ':')
			index = strtoul(colon + 1, NULL, 0);
		for (n = 0; n < c->nent; n++) {
			struct kvm_cpuid_entry2 *e = &c->entries[n];

			if (e->function == leaf &&
			    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
			     e->index == index)) {
				printf("%08x %08x %08x %08x\n", e->eax, e->ebx,
				       e->ecx, e->edx);
				break;
			}
		}
		if (n == c->nent)
			printf("-\n");
	}
	return 0;
}

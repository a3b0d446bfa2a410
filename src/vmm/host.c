// SPDX-License-Identifier: MIT
/* What the host's KVM can do, as far as choosing a VMM goes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

bool kvm_usable(char *why, size_t n)
{
	char reason[200];
	int fd, v;

	/* PVM (kvm_pvm) runs PVM-patched guests only; a stock kernel hangs
	 * after "Probing EDD" or dies in emulation. */
	if (!access("/sys/module/kvm_pvm", F_OK)) {
		snprintf(why, n, "/dev/kvm is PVM (module kvm_pvm), which cannot "
			 "boot a stock kernel");
		return false;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		snprintf(why, n, "/dev/kvm: %s%s", strerror(err),
			 err == EACCES ? " (join the group kvm)" : "");
		return false;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != KVM_API_VERSION) {
		snprintf(why, n, "/dev/kvm: API version %d, not %d", v,
			 KVM_API_VERSION);
		return false;
	}
	/* Present is not working: boot the micro-guest. */
	if (kvm_smoke(reason, sizeof(reason), NULL)) {
		snprintf(why, n, "/dev/kvm fails the smoke boot: %s", reason);
		return false;
	}
	return true;
}

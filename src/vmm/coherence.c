// SPDX-License-Identifier: MIT
/* --coherence auto decided from the host's facts. See coherence.h. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "coherence.h"
#include "../common/util.h"

/* The file root + path into out (NULs inside turned into sep), without
 * the trailing newline or NUL; "" when it cannot be read. */
static void read_fact(const char *root, const char *path, const char *sep,
		      char *out, size_t n)
{
	char p[512], raw[256];
	size_t len, o = 0;
	FILE *f;

	out[0] = '\0';
	snprintf(p, sizeof(p), "%s%s", root, path);
	f = fopen(p, "re");
	if (!f)
		return;
	len = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\0'))
		len--;
	for (size_t i = 0; i < len && o + 1 < n; i++) {
		if (raw[i] == '\0') {
			for (const char *s = sep; *s && o + 1 < n; s++)
				out[o++] = *s;
		} else if (raw[i] >= 0x20 && raw[i] < 0x7f) {
			out[o++] = raw[i];
		}
	}
	out[o] = '\0';
}

void coherence_probe(const char *root, struct coherence_facts *f)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	if (*root)
		read_fact(root, "/machine", "", f->machine, sizeof(f->machine));
	else if (!uname(&u))
		snprintf(f->machine, sizeof(f->machine), "%s", u.machine);
	read_fact(root, "/sys/firmware/devicetree/base/compatible", ", ",
		  f->compatible, sizeof(f->compatible));
	read_fact(root, "/sys/firmware/devicetree/base/psci/method", "",
		  f->psci_method, sizeof(f->psci_method));
	read_fact(root, "/sys/hypervisor/type", "", f->hypervisor,
		  sizeof(f->hypervisor));
	read_fact(root, "/sys/class/dmi/id/sys_vendor", "", f->dmi_vendor,
		  sizeof(f->dmi_vendor));
	read_fact(root, "/sys/class/dmi/id/product_name", "", f->dmi_product,
		  sizeof(f->dmi_product));
}

/* DMI that names a virtual machine: why, or NULL. */
static const char *dmi_vm(const struct coherence_facts *f)
{
	if (!strcmp(f->dmi_vendor, "QEMU"))
		return "the DMI vendor is QEMU";
	if (strstr(f->dmi_product, "Virtual Machine"))
		return "the DMI product is a \"Virtual Machine\"";
	if (strstr(f->dmi_product, "KVM"))
		return "the DMI product names KVM";
	if (!strcmp(f->dmi_vendor, "Amazon EC2") && f->dmi_product[0] &&
	    !str_ends(f->dmi_product, ".metal"))
		return "the DMI product is an EC2 instance that is not .metal";
	if (!strcmp(f->dmi_vendor, "Google"))
		return "the DMI vendor is Google (Compute Engine)";
	return NULL;
}

enum sync_mode coherence_auto(const struct coherence_facts *f, char *why,
			      size_t n)
{
	const char *dmi;

	if (strcmp(f->machine, "aarch64") && strcmp(f->machine, "arm64")) {
		snprintf(why, n, "%s: the VMM's view of guest memory is coherent; "
			 "NV2 is an arm64 matter", f->machine[0] ? f->machine
			 : "not arm64");
		return SYNC_NONE;
	}
	if (!strcmp(f->psci_method, "hvc")) {
		snprintf(why, n, "in a VM on arm64: the device tree's psci method "
			 "is hvc (firmware calls go to a hypervisor)");
		return SYNC_CIVAC;
	}
	if (str_has_word(f->compatible, "linux,dummy-virt", ", ")) {
		snprintf(why, n, "in a VM on arm64: the device tree's root is "
			 "\"linux,dummy-virt\"");
		return SYNC_CIVAC;
	}
	if (f->hypervisor[0]) {
		snprintf(why, n, "in a VM on arm64: /sys/hypervisor/type is %s",
			 f->hypervisor);
		return SYNC_CIVAC;
	}
	dmi = dmi_vm(f);
	if (dmi) {
		snprintf(why, n, "in a VM on arm64: %s (%s%s%s)", dmi, f->dmi_vendor,
			 f->dmi_product[0] ? ", " : "", f->dmi_product);
		return SYNC_CIVAC;
	}
	snprintf(why, n, "arm64 with no sign of a hypervisor (psci %s, device tree "
		 "%s, DMI %s)", f->psci_method[0] ? f->psci_method : "unknown",
		 f->compatible[0] ? f->compatible : "absent",
		 f->dmi_vendor[0] ? f->dmi_vendor : "absent");
	return SYNC_NONE;
}

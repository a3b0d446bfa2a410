// SPDX-License-Identifier: MIT
/* virtio-blk requests against a file: read, write, flush, get-id,
 * discard, write-zeroes, read-only, and the checks on sector ranges,
 * lengths, headers and the status byte. The device is called directly,
 * as its worker would. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/virtio/blk.h"

#define RAM	(1 << 20)
#define QSZ	16
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define HDR	0x8000
#define DATA	0x10000
#define STATUS	0x9000
#define SECTORS	64

static struct {
	uint8_t *ram;
	struct gmem mem;
	struct virtio_blk b;
	char *dir, path[512];
	uint16_t avail;
} s;

static void open_disk(bool ro)
{
	assert_int_equal(virtio_blk_open(&s.b, &s.mem, s.path, ro), 0);
	assert_int_equal(vq_enable(&s.b.dev.vq[0], &s.mem, QSZ, DESC, AVAIL, USED,
				   1ULL << VIRTIO_F_VERSION_1), 0);
	s.b.dev.qr[0].enabled = true;
	s.b.dev.status = VIRTIO_CONFIG_S_DRIVER_OK;
	s.avail = 0;
}

static int setup(void **state)
{
	uint8_t sector[512];
	int fd;

	(void)state;
	log_level = LOG_QUIET;
	s.ram = calloc(1, RAM);
	gmem_wrap(&s.mem, s.ram, RAM, NULL);
	s.dir = mktemp_dir();
	snprintf(s.path, sizeof(s.path), "%s/disk.img", s.dir);
	fd = open(s.path, O_CREAT | O_WRONLY, 0644);
	for (int i = 0; i < SECTORS; i++) {
		memset(sector, 'a' + i % 26, sizeof(sector));
		assert_int_equal(write(fd, sector, sizeof(sector)), 512);
	}
	close(fd);
	open_disk(false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	virtio_destroy(&s.b.dev);
	virtio_blk_close(&s.b);
	rm_rf(s.dir);
	free(s.dir);
	free(s.ram);
	return 0;
}

/* A request: header (hdr_len bytes), data of len bytes (device-writable
 * when in), the status byte when status. Returns the status byte, or
 * -1 when the device did not answer; *used_len the used length. */
static int request(uint32_t type, uint64_t sector, uint32_t hdr_len,
		   uint32_t len, bool in, bool status, uint32_t *used_len)
{
	struct vring_desc *d = (struct vring_desc *)(s.ram + DESC);
	struct virtio_blk_outhdr h = { type, 0, sector };
	uint16_t *avail = (uint16_t *)(s.ram + AVAIL);
	uint16_t before = *(uint16_t *)(s.ram + USED + 2);
	unsigned n = 0;

	memcpy(s.ram + HDR, &h, sizeof(h));
	s.ram[STATUS] = 0xee;
	d[n] = (struct vring_desc){ HDR, hdr_len, VRING_DESC_F_NEXT, 1 };
	n++;
	if (len) {
		d[n] = (struct vring_desc){ DATA, len,
			(uint16_t)(VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0)),
			(uint16_t)(n + 1) };
		n++;
	}
	if (status) {
		d[n] = (struct vring_desc){ STATUS, 1, VRING_DESC_F_WRITE, 0 };
		n++;
	}
	d[n - 1].flags &= (uint16_t)~VRING_DESC_F_NEXT;
	avail[2 + s.avail % QSZ] = 0;
	avail[1] = ++s.avail;
	s.b.dev.ops->notify(&s.b.dev, 0);
	if (*(uint16_t *)(s.ram + USED + 2) == before)
		return -1;
	*used_len = *(uint32_t *)(s.ram + USED + 4 + 8 * (before % QSZ) + 4);
	return s.ram[STATUS];
}

static void test_read_write(void **state)
{
	uint32_t used;
	char buf[1024];
	int fd;

	(void)state;
	assert_int_equal(request(VIRTIO_BLK_T_IN, 2, 16, 1024, true, true, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1025);
	assert_int_equal(s.ram[DATA], 'c');
	assert_int_equal(s.ram[DATA + 1023], 'd');
	memset(s.ram + DATA, 'Z', 1024);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 10, 16, 1024, false, true, &used),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1);
	fd = open(s.path, O_RDONLY);
	assert_int_equal(pread(fd, buf, sizeof(buf), 10 * 512), 1024);
	close(fd);
	assert_int_equal(buf[0], 'Z');
	assert_int_equal(buf[1023], 'Z');
	assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 16, 0, false, true, &used),
			 VIRTIO_BLK_S_OK);
}

static void test_ranges_checked(void **state)
{
	uint32_t used;

	(void)state;
	/* The last sector is fine; one past it, or straddling, is not. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, SECTORS - 1, 16, 512, true, true,
				 &used), VIRTIO_BLK_S_OK);
	assert_int_equal(request(VIRTIO_BLK_T_IN, SECTORS, 16, 512, true, true,
				 &used), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, SECTORS - 1, 16, 1024, false,
				 true, &used), VIRTIO_BLK_S_IOERR);
	/* A sector number that overflows when multiplied. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, UINT64_MAX / 256, 16, 512, true,
				 true, &used), VIRTIO_BLK_S_IOERR);
	/* Not whole sectors. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, 0, 16, 100, true, true, &used),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(used, 1);		/* nothing read into it */
	/* A short header. */
	assert_int_equal(request(VIRTIO_BLK_T_IN, 0, 8, 512, true, true, &used),
			 VIRTIO_BLK_S_IOERR);
	/* An unknown type. */
	assert_int_equal(request(99, 0, 16, 0, false, true, &used),
			 VIRTIO_BLK_S_UNSUPP);
	assert_false(s.b.dev.vq[0].broken);
}

static void test_no_status_byte(void **state)
{
	uint32_t used;

	(void)state;
	/* Nothing writable: nowhere to put a status. The device needs a
	 * reset; it does not crash or write anywhere. */
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 0, 16, 512, false, false, &used),
			 -1);
	assert_true(s.b.dev.status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_read_only(void **state)
{
	uint32_t used;
	char buf[512];
	int fd;

	(void)state;
	virtio_destroy(&s.b.dev);
	virtio_blk_close(&s.b);
	open_disk(true);
	assert_true(s.b.dev.device_features & (1ULL << VIRTIO_BLK_F_RO));
	memset(s.ram + DATA, 'W', 512);
	assert_int_equal(request(VIRTIO_BLK_T_OUT, 0, 16, 512, false, true, &used),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 16, false, true,
				 &used), VIRTIO_BLK_S_IOERR);
	fd = open(s.path, O_RDONLY);
	assert_int_equal(pread(fd, buf, 512, 0), 512);
	close(fd);
	assert_int_equal(buf[0], 'a');
	assert_int_equal(request(VIRTIO_BLK_T_IN, 0, 16, 512, true, true, &used),
			 VIRTIO_BLK_S_OK);
}

static void test_get_id(void **state)
{
	uint32_t used;

	(void)state;
	assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 16, 20, true, true, &used),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(s.ram + DATA, "disk.img", 9);
}

static void test_zeroes_and_discard(void **state)
{
	struct virtio_blk_discard_write_zeroes r = { 4, 2, 0 };
	uint32_t used;
	char buf[1024];
	int fd;

	(void)state;
	/* The range goes where data would: readable, after the header. */
	memcpy(s.ram + DATA, &r, sizeof(r));
	assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, sizeof(r), false,
				 true, &used), VIRTIO_BLK_S_OK);
	fd = open(s.path, O_RDONLY);
	assert_int_equal(pread(fd, buf, 1024, 4 * 512), 1024);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(pread(fd, buf, 1, 6 * 512), 1);
	assert_int_equal(buf[0], 'g');		/* the next sector is kept */
	r = (struct virtio_blk_discard_write_zeroes){ 20, 1, 0 };
	memcpy(s.ram + DATA, &r, sizeof(r));
	if (s.b.discard) {
		assert_int_equal(request(VIRTIO_BLK_T_DISCARD, 0, 16, sizeof(r), false,
					 true, &used), VIRTIO_BLK_S_OK);
		assert_int_equal(pread(fd, buf, 512, 20 * 512), 512);
		assert_int_equal(buf[0], 0);	/* a hole reads as zeros */
	}
	/* A range beyond the disk. */
	r = (struct virtio_blk_discard_write_zeroes){ SECTORS - 1, 2, 0 };
	memcpy(s.ram + DATA, &r, sizeof(r));
	assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, sizeof(r), false,
				 true, &used), VIRTIO_BLK_S_UNSUPP);
	close(fd);
}

static void test_bad_disks(void **state)
{
	struct virtio_blk b;
	struct capture c;
	char odd[600], *err;
	int fd;

	(void)state;
	snprintf(odd, sizeof(odd), "%s/odd.img", s.dir);
	fd = open(odd, O_CREAT | O_WRONLY, 0644);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	capture_begin(&c);
	/* s.b has it open for writing: a second writer or reader is refused. */
	assert_true(virtio_blk_open(&b, &s.mem, s.path, false) < 0);
	assert_true(virtio_blk_open(&b, &s.mem, s.path, true) < 0);
	assert_true(virtio_blk_open(&b, &s.mem, "/nonexistent/disk", false) < 0);
	assert_true(virtio_blk_open(&b, &s.mem, s.dir, false) < 0);	/* a dir */
	assert_true(virtio_blk_open(&b, &s.mem, odd, false) < 0);
	err = capture_end(&c);
	assert_non_null(strstr(err, "disk /nonexistent/disk: No such file"));
	assert_non_null(strstr(err, "Is a directory"));
	assert_non_null(strstr(err, "disk.img: in use (locked by another process)"));
	assert_non_null(strstr(err, "odd.img: size 1 is not a multiple of 512"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_read_write),
		T(test_ranges_checked),
		T(test_no_status_byte),
		T(test_read_only),
		T(test_get_id),
		T(test_zeroes_and_discard),
		T(test_bad_disks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

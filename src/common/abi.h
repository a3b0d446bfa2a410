/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ABI_H
#define TINYRD_ABI_H

/*
 * The host-guest contract. The builder writes these files into the image,
 * the init reads them; nothing else crosses over. Documented for users in
 * tinyrd-recipe(5) ("INIT CONFIGURATION"); keep the two in step.
 */

/* Configuration directory in the image. */
#define TINYRD_CONF_DIR		"/etc/tinyrd"

/*
 * Modules in load order, one per line:
 *	NAME PATH[ PARAMS]
 * NAME is the kernel's module name (underscores), PATH the absolute path of
 * the uncompressed .ko in the image, PARAMS the rest of the line, passed to
 * finit_module() as is.
 */
#define TINYRD_CONF_MODULES	TINYRD_CONF_DIR "/modules"

/* The command's argv: every argument followed by one NUL byte. Never quoted. */
#define TINYRD_CONF_ARGV	TINYRD_CONF_DIR "/argv"

/*
 * Shares to mount before the command runs, one per line:
 *	FSTYPE SOURCE TARGET FLAGS OPTIONS
 * FSTYPE and SOURCE as mount(8) takes them (9p or virtiofs; the tag),
 * TARGET an absolute path (created), FLAGS "ro" or "rw", OPTIONS the
 * file system's data string, "-" for none. No field holds a blank.
 */
#define TINYRD_CONF_MOUNTS	TINYRD_CONF_DIR "/mounts"

/*
 * Host-root mode (tinyrd run --rootfs): the guest's root is a share. The
 * first line says which:
 *	FSTYPE SOURCE OPTIONS
 * (as in TINYRD_CONF_MOUNTS); it is mounted read-only with tmpfs over
 * /tmp, /run and /var/tmp. Each further line "rw PATH" puts a writable
 * overlay over PATH, its changes kept in memory. Shares are mounted
 * inside the new root, on mount points that exist there.
 */
#define TINYRD_CONF_ROOT	TINYRD_CONF_DIR "/root"

/* The command's extra environment: NAME=VALUE, each followed by one NUL. */
#define TINYRD_CONF_ENV		TINYRD_CONF_DIR "/env"

/* The command's PATH unless its environment gives one: the init looks the
 * command up in it, and the builder (a program's interpreter through env,
 * build --trace's command) looks where the guest will. */
#define TINYRD_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Present (empty) when the host forwards its standard input: the init
 * gives the command a pipe as standard input and feeds it what arrives on
 * the output device (/dev/hvc0), framed so that binary data and the end
 * of input both cross a raw tty: TINYRD_STDIN_ESC followed by 0x00 is one
 * byte 0xff, followed by TINYRD_STDIN_EOF the end of input; any other
 * byte is itself.
 */
#define TINYRD_CONF_STDIN	TINYRD_CONF_DIR "/stdin"
/* The init writes a byte here once it reads hvc0 in raw mode; the host
 * sends no input before (a tty that nobody has open drops what comes). */
#define TINYRD_STDIN_PORT	0x502
#define TINYRD_STDIN_ESC	0xff
#define TINYRD_STDIN_EOF	0x01

/* The init reports the command's status as one byte on this I/O port
 * (QEMU's isa-debug-exit, which exits with (status << 1) | 1). */
#define TINYRD_EXIT_PORT	0x501

/*
 * How a run ends. The init reports the command's status (0-255) as one
 * byte on TINYRD_EXIT_PORT and, first, as a line on its standard error
 * (the first serial console):
 *	tinyrd-init: exit status N
 * the host takes the last such line when the port write did not reach it.
 * When the init itself failed (a mount, a module, setting up the
 * command), the line is TINYRD_FAILED_LINE instead, N is
 * TINYRD_STATUS_FAILED, and the init's own lines ("tinyrd-init: ...")
 * before it say why: so the host tells the init's 125 from a command
 * that exits 125. Statuses the host gives of its own:
 * TINYRD_STATUS_NO_REPORT when the guest ended without reporting (panic,
 * reset, the init's death), TINYRD_STATUS_TIMEOUT when a timeout stopped
 * it; TINYRD_STATUS_FAILED when tinyrd failed on the host (the guest
 * could not be started). A command's own 123, 124 or 125 is passed on as
 * it is, and the host says whose it was.
 *
 * Before it runs a command (not a shell on the console), the init says
 * TINYRD_STARTED_LINE on the console: --silence-timeout counts from
 * there, not through the silent boot. Its lines that start with
 * TINYRD_TRACE_LINE are tinyrd.debug's timings.
 */
#define TINYRD_STATUS_LINE	"tinyrd-init: exit status "
#define TINYRD_FAILED_LINE	"tinyrd-init: the init failed, exit status "
#define TINYRD_STARTED_LINE	"tinyrd-init: the command started"
#define TINYRD_INIT_PREFIX	"tinyrd-init: "
#define TINYRD_TRACE_LINE	"tinyrd-init: +"
#define TINYRD_STATUS_NO_REPORT	123
#define TINYRD_STATUS_TIMEOUT	124
#define TINYRD_STATUS_FAILED	125

/* 9p shares: the msize the host puts in the mount options and its server
 * offers (reads then carry msize - VERIFY_9P_IOHDR bytes of data). */
#define TINYRD_9P_MSIZE		512000
/* The options of a 9p share's mount, CACHE being cache=loose or =mmap. */
#define TINYRD_9P_OPTIONS(CACHE) \
	"trans=virtio,version=9p2000.L,msize=" TINYRD_XSTR(TINYRD_9P_MSIZE) \
	",cache=" CACHE ",access=client"
#define TINYRD_XSTR(x)		TINYRD_STR(x)
#define TINYRD_STR(x)		#x

/*
 * THE DATA-PATH CHECK (tinyrd verify, run --verify; the host's side is
 * src/run/verify*.c, the guest's init/verify*.c, the code both run
 * src/common/verify.c).
 *
 * Shared folders fail with the metadata right and the bytes wrong: reads
 * that return nothing or zeros, reads cut at the transport's request size,
 * every file reported sparse, data corrupted past some size. So the host
 * writes what a sample of files must contain, the guest reads them through
 * the mount in several ways and compares, writes a sweep of files that the
 * host checks, and every failure names the file, the offset and a class.
 *
 * 1. THE MANIFEST (host -> guest), a text file in the image, by default
 *    TINYRD_CONF_VERIFY. One item per line; the first word picks the item,
 *    words are separated by one space, PATHs are escaped (3.), numbers
 *    are decimal unless said otherwise, hex digits lowercase. Every header line is required
 *    except sweepdir and sweep; the first line comes first, the rest in
 *    any order.
 *
 *	tinyrd-verify 1			the format and its version
 *	msize N				the transport's largest request: 9p's
 *					msize (reads carry msize - 24 bytes
 *					of data), virtio-fs's max read size
 *	seed 0xHEX			seed of the write sweep's data
 *	quick 0|1			1: fewer read passes (verify
 *					--quick, the sample before
 *					switching root)
 *	sweepdir PATH			guest directory for the sweep files
 *	sweep SIZE...			sweep file sizes, multiples of 4096
 *	file PATH SIZE CRC BLOCKS MAP BLOCKCRCS TAGS
 *
 *    file: PATH as the guest sees it; SIZE in bytes; CRC the whole file's
 *    CRC32C, 8 hex digits; BLOCKS the host's st_blocks (a guest that says
 *    0 where the host did not is lying about holes); MAP the data extents
 *    the host sees with SEEK_DATA/SEEK_HOLE, "OFFSET+LENGTH" joined by
 *    commas, "-" for none; BLOCKCRCS the CRC32C of every 1 MiB block (the
 *    last one may be short), 8 hex digits each, joined by commas, "-" for
 *    an empty file; TAGS the low 16 bits of the CRC32C of every 4 KiB
 *    page, 4 hex digits each, not separated, or "-": they only locate the
 *    bad page inside a block whose CRC is wrong.
 *
 * 2. RESULT LINES (guest -> host), printed by the guest on its standard
 *    output, one per check; the host ignores everything before the begin
 *    line (which may end a line of console chatter) and after the end
 *    line, and every line in between must parse. A trailing CR is fine.
 *
 *	verify begin 1
 *	ok PATH METHOD BYTES		BYTES checked
 *	skip PATH METHOD REASON		not checkable here (REASON: rest of line)
 *	fail CLASS PATH OFFSET METHOD DETAIL
 *	wrote PATH SIZE			a sweep file is written and synced
 *	verify end FAILURES
 *
 *    METHOD: open, stat (size), blocks (st_blocks), seek (SEEK_DATA and
 *    SEEK_HOLE over the host's extents), read:N (read() with N-byte
 *    requests from start to end), pread (pread() tiling the file with odd
 *    offsets and sizes around 4 KiB and msize), mmap, write (a sweep file);
 *    the host adds sweep (its check of a sweep file). Each file owes
 *    stat, blocks, seek, read:4096 (not when quick), read:MSIZE, pread and
 *    mmap; a failed open stands for all of them. DETAIL is the rest of the
 *    line, printable ASCII. A guest prints at most one fail line per file
 *    and method: the first bad offset, later trouble in the detail.
 *
 *    CLASS, and what it means:
 *	EMPTY_READ	metadata works, reads return no data (or only zeros)
 *	SHORT_READ	reads end before the size says (OFFSET: where)
 *	CORRUPT		bytes differ (OFFSET: the first bad 4 KiB page)
 *	SPARSE_LIE	the guest reports a hole where the host has data
 *	IO_ERROR	an operation failed (DETAIL: which, and the error)
 *	PROTOCOL	(host only) the guest's results are missing or garbled
 *
 * 3. ESCAPING: in PATHs every byte below 0x21, from 0x7f up, and the
 *    backslash is written as \xHH (two lowercase hex digits); nothing
 *    else is escaped, and a decoder rejects anything else after a
 *    backslash, raw bytes that should have been escaped, and \x00.
 *
 * 4. SWEEP BLOCKS (guest writes, host checks): the sweep file of SIZE
 *    bytes is SWEEPDIR/sweep-SIZE, made of 4 KiB blocks; the block at
 *    OFFSET is, little-endian:
 *
 *	0	8	magic "tinyrdVB"
 *	8	8	seed
 *	16	8	SIZE, the size of its file
 *	24	8	OFFSET
 *	32	4	CRC32C of bytes 0-31 followed by bytes 36-4095
 *	36	4060	bytes OFFSET+36 ... of the seed's data stream (5.)
 *
 *    so that a block of zeros, one from an earlier run (another seed), one
 *    from another place or file (another offset or size) and a damaged one
 *    (a bad CRC) tell themselves apart and say where they came from.
 *
 * 5. DATA STREAM: byte N of the stream of a seed is byte N % 8 of the
 *    little-endian 64-bit word splitmix64(seed + (N / 8 + 1) * 0x9e3779b97f4a7c15):
 *    random access, and the same on both ends. The fixture's files are
 *    streams too.
 */
#define TINYRD_CONF_VERIFY	TINYRD_CONF_DIR "/verify"
#define VERIFY_MAGIC		"tinyrd-verify"	/* the manifest's first word */
#define VERIFY_VERSION		1
#define VERIFY_BEGIN		"verify begin "	/* followed by the version */
#define VERIFY_END		"verify end "	/* followed by FAILURES */
#define VERIFY_PAGE		4096u
#define VERIFY_BLOCK		(1u << 20)
#define VERIFY_9P_IOHDR		24u		/* 9p read/write header */
#define VERIFY_SWEEP_PREFIX	"sweep-"

#endif

#!/bin/bash
# The boundaries of src/LAYERS, checked:
#
#   layers.sh includes ROOT
#       every #include "..." of ROOT/src and ROOT/init goes where its
#       file's entry may go;
#   layers.sh calls ROOT OBJDIR
#       every call (or use of data) from one object of OBJDIR/src to a
#       symbol another defines goes where its file's entry may go, and
#       no circle runs among the files (nm's view: each object's defined
#       and undefined global symbols; *.san.o, and objects whose source
#       is gone, are left out).
#
# Each arrow that breaks a rule is one line, "FILE: ...", on stdout; the
# status is 1 when there is one, 2 on bad usage.
set -u

usage() {
	echo "usage: layers.sh includes ROOT | calls ROOT OBJDIR" >&2
	exit 2
}

# awk functions shared by both checks: the LAYERS table into layer[]
# and may[], the entry of a path, and whether one entry may use another.
read -r -d '' LIB <<'EOF'
function load(file,    line, f, n, i) {
	while ((getline line < file) > 0) {
		sub(/#.*/, "", line)
		n = split(line, f, " ")
		if (!n)
			continue
		layer[f[1]] = 1
		for (i = 2; i <= n; i++)
			may[f[1], f[i]] = 1
	}
	close(file)
}
function entry(path,    e, best) {
	best = ""
	for (e in layer)
		if ((path == e || index(path, e "/") == 1) && length(e) > length(best))
			best = e
	return best
}
function allowed(from, to) {
	return from == to || ((from SUBSEP to) in may)
}
EOF

check_includes() {
	local root=$1

	(cd "$root" && grep -nH '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' \
		$(find src init -name '*.[chS]' | sort)) |
	awk -v layers="$root/src/LAYERS" -v root="$root" "$LIB"'
	# a/b/../c into a/c
	function norm(p,    parts, n, out, k, i) {
		n = split(p, parts, "/")
		k = 0
		for (i = 1; i <= n; i++) {
			if (parts[i] == "" || parts[i] == ".")
				continue
			if (parts[i] == ".." && k > 0 && out[k] != "..") {
				k--
				continue
			}
			out[++k] = parts[i]
		}
		p = ""
		for (i = 1; i <= k; i++)
			p = p (i > 1 ? "/" : "") out[i]
		return p
	}
	BEGIN { load(layers); bad = 0 }
	{
		file = $0; sub(/:.*/, "", file)
		rest = substr($0, length(file) + 2)
		lineno = rest; sub(/:.*/, "", lineno)
		inc = rest; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		dir = file; sub(/\/[^\/]*$/, "", dir)
		target = norm(dir "/" inc)
		from = entry(file); to = entry(target)
		if (from == "") {
			printf "%s: in no entry of src/LAYERS\n", file; bad = 1
		} else if ((getline junk < (root "/" target)) < 0) {
			printf "%s:%s: includes %s, which is not in the tree\n", file, lineno, target; bad = 1
		} else if (to == "") {
			printf "%s:%s: includes %s, in no entry of src/LAYERS\n", file, lineno, target; bad = 1
		} else if (!allowed(from, to)) {
			printf "%s:%s: includes %s: %s may not use %s (src/LAYERS)\n", file, lineno, target, from, to; bad = 1
		}
		close(root "/" target)
	}
	END { exit bad }'
}

check_calls() {
	local root=$1 obj=$2 o

	[ -d "$obj/src" ] || { echo "$obj/src: no objects (make first)"; return 1; }
	for o in $(cd "$obj" && find src -name '*.o' ! -name '*.san.o' | sort); do
		# an object whose source is gone is stale, not part of tinyrd
		[ -f "$root/${o%.o}.c" ] || [ -f "$root/${o%.o}.S" ] || continue
		nm "$obj/$o" | awk -v o="$o" '
			NF == 3 && $2 ~ /^[TDBRVWG]$/ { print "D", o, $3 }
			NF == 2 && $1 == "U" { print "U", o, $2 }'
	done |
	awk -v layers="$root/src/LAYERS" "$LIB"'
	# The source an object was built from, for its entry and the report.
	function src(o) { sub(/\.o$/, "", o); return o }
	# Depth-first search; a grey node reached again closes a circle.
	function visit(n,    k, m) {
		color[n] = 1
		stack[++depth] = n
		for (k = 1; k <= nout[n]; k++) {
			m = out[n, k]
			if (color[m] == 1) {
				report(m)
			} else if (!color[m]) {
				visit(m)
			}
		}
		depth--
		color[n] = 2
	}
	function report(m,    i, line) {
		for (i = depth; i > 0 && stack[i] != m; i--)
			;
		line = ""
		for (; i <= depth; i++)
			line = line stack[i] " -> "
		printf "circle: %s%s (%s calls %s)\n", line, m, stack[depth], sym[stack[depth], m]
		bad = 1
	}
	BEGIN { load(layers); bad = 0 }
	$1 == "D" { def[$3] = src($2); next }
	$1 == "U" { want[++nw] = src($2) SUBSEP $3 }
	END {
		for (i = 1; i <= nw; i++) {
			split(want[i], w, SUBSEP)
			if (!(w[2] in def) || def[w[2]] == w[1])
				continue
			a = w[1]; b = def[w[2]]
			if (!((a, b) in edge)) {
				edge[a, b] = 1
				out[a, ++nout[a]] = b
				sym[a, b] = w[2]
				from = entry(a ".c"); to = entry(b ".c")
				if (!allowed(from, to)) {
					printf "%s: calls %s (%s): %s may not use %s (src/LAYERS)\n", a, b, w[2], from, to
					bad = 1
				}
			}
			if (!(a in seen)) { seen[a] = 1; node[++nnode] = a }
			if (!(b in seen)) { seen[b] = 1; node[++nnode] = b }
		}
		for (k = 1; k <= nnode; k++)	# in the order nm listed them
			if (!color[node[k]])
				visit(node[k])
		exit bad
	}'
}

case ${1:-} in
includes) [ $# -eq 2 ] || usage; check_includes "$2" ;;
calls) [ $# -eq 3 ] || usage; check_calls "$2" "$3" ;;
*) usage ;;
esac

# bash completion for tinyrd (installed as
# $(datadir)/bash-completion/completions/tinyrd). The commands and their
# options come from tinyrd's own --help, which is made from the same
# tables as its parser (src/cmd/opt.h), so they cannot drift apart.

_tinyrd_words() {
	# The --options (and -x letters) a help text lists at a line's start.
	"$1" "${@:2}" --help 2>/dev/null |
		sed -n 's/^  \(-[a-zA-Z]\), \(--[a-z][a-z-]*\).*/\1 \2/p; s/^      \(--[a-z][a-z-]*\).*/\1/p'
}

_tinyrd() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local tinyrd=${COMP_WORDS[0]} cmd= i

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--) return 0 ;;		# the guest's command: nothing to offer
		-*) ;;
		*) [ -n "$cmd" ] || cmd=${COMP_WORDS[i]} ;;
		esac
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$("$tinyrd" --help 2>/dev/null |
			sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p') --help --version" -- "$cur"))
		return 0
	fi
	if [ "$prev" = --json ] && [ "$cmd" = run ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi
	case $prev in
	--vmm) COMPREPLY=($(compgen -W "builtin qemu auto" -- "$cur")); return 0 ;;
	--accel) COMPREPLY=($(compgen -W "kvm tcg auto" -- "$cur")); return 0 ;;
	--transport) COMPREPLY=($(compgen -W "pci mmio" -- "$cur")); return 0 ;;
	--fs) COMPREPLY=($(compgen -W "virtiofs 9p" -- "$cur")); return 0 ;;
	-z|--compress) COMPREPLY=($(compgen -W "none gzip xz zstd lz4" -- "$cur")); return 0 ;;
	--kmod|--kmod-noload)
		local dir=/lib/modules/$(uname -r)
		[ -r "$dir/modules.dep" ] &&
			COMPREPLY=($(compgen -W "$(sed 's|:.*||; s|.*/||; s|\.ko.*||' "$dir/modules.dep")" -- "$cur"))
		return 0 ;;
	--moddir|--sysroot|--share|--rootfs)
		COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
	-k|--kernel|-i|--image|-o|--output|-f|--recipe|--init|--busybox|--copy|\
	--console-log|--disk)
		COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
	--append|--timeout|--silence-timeout|-m|--memory|-c|--cpus|--kver|\
	--level|--run|-e|--env|--skip-status|--rw|--max)
		return 0 ;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W "$(_tinyrd_words "$tinyrd" "$cmd")" -- "$cur")) ;;
	*)
		case $cmd in
		cache) COMPREPLY=($(compgen -W "list size prune clear" -- "$cur")) ;;
		build|run) COMPREPLY=($(compgen -c -- "$cur")) ;;
		inspect) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac ;;
	esac
	return 0
}

complete -F _tinyrd tinyrd

# bash completion for tickready: commands, each command's options and their values, profile names
# and check ids. Everything is read from the tickready being completed (its --help, `profile list`,
# `checks --format ids`), so the completion follows the binary instead of a copy of its tables.
# Needs bash only; installed as $(PREFIX)/share/bash-completion/completions/tickready.

# The program being completed: the word typed when it runs (./build/tickready), else tickready on PATH.
_tickready_bin()
{
	local typed=${COMP_WORDS[0]/#\~/$HOME}

	if command -v -- "$typed" >/dev/null 2>&1; then
		printf '%s\n' "$typed"
	else
		printf 'tickready\n'
	fi
}

# The commands, from the "commands:" block of tickready --help.
_tickready_commands()
{
	"$_tr_bin" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'
}

# Fills _tr_arg (spelling -> value name, "" for a flag) and _tr_long (the long spellings) from
# "tickready COMMAND --help": an option line is "  -x, --name VALUE  help" or "      --name VALUE"
# alone when the spelling fills its column.
_tickready_read_opts()
{
	local line re='^ +(-([a-zA-Z]), )?--([a-z0-9-]+)( ([^ ]+))?(  |$)' in_opts=

	_tr_arg=() _tr_long=()
	while IFS= read -r line; do
		[[ $line == options: ]] && in_opts=1 && continue
		[[ -n $in_opts && $line =~ $re ]] || continue
		_tr_long+=("--${BASH_REMATCH[3]}")
		_tr_arg["--${BASH_REMATCH[3]}"]=${BASH_REMATCH[5]}
		[[ -n ${BASH_REMATCH[2]} ]] && _tr_arg["-${BASH_REMATCH[2]}"]=${BASH_REMATCH[5]}
	done < <("$_tr_bin" "$1" --help 2>/dev/null)
}

# Profile names: shipped and local ones, as `tickready profile list` shows them.
_tickready_profiles()
{
	"$_tr_bin" profile list 2>/dev/null | awk '{ print $1 }'
}

# verify's modes, from its usage line "[--mode a|b|c]".
_tickready_modes()
{
	"$_tr_bin" verify --help 2>/dev/null | sed -n 's/.*--mode \([a-z|-]*\)\].*/\1/p' | tr '|' '\n'
}

_tickready_files() # _tickready_files CUR [dirs]: file (or directory) names
{
	compopt -o filenames 2>/dev/null
	if [[ $2 == dirs ]]; then
		COMPREPLY+=($(compgen -d -- "$1"))
	else
		COMPREPLY+=($(compgen -f -- "$1"))
	fi
}

# Completes the value of option OPT, whose --help names it VALUE.
_tickready_value() # _tickready_value OPT VALUE CUR
{
	local opt=$1 value=$2 cur=$3 before= ids

	case $opt:$value in
	*:NAME\|PATH)
		COMPREPLY=($(compgen -W "$(_tickready_profiles)" -- "$cur"))
		_tickready_files "$cur"
		;;
	--only:LIST | -o:LIST)
		# Comma-separated areas and check ids: complete the last item, keep the ones before it.
		[[ $cur == *,* ]] && before=${cur%,*},
		ids=$("$_tr_bin" checks --format ids 2>/dev/null)
		COMPREPLY=($(compgen -P "$before" -W "$(printf '%s\n' $ids | sed 's/\..*//' | sort -u) $ids" -- "${cur##*,}"))
		;;
	*:MODE) COMPREPLY=($(compgen -W "$(_tickready_modes)" -- "$cur")) ;;
	--root:DIR | -r:DIR)
		# A tree, or a capture archive.
		_tickready_files "$cur" dirs
		COMPREPLY+=($(compgen -f -X '!*.tar.gz' -- "$cur") $(compgen -f -X '!*.tgz' -- "$cur"))
		;;
	*:DIR) _tickready_files "$cur" dirs ;;
	*:FILE | *:OUT | *:REPORT.json | --poller:PATH) _tickready_files "$cur" ;;
	*:IF) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")) ;;
	*)
		# A lowercase "a|b|c" is the list of choices; any other name is a number or address.
		[[ $value =~ ^[a-z0-9-]+(\|[a-z0-9-]+)+$ ]] && COMPREPLY=($(compgen -W "${value//|/ }" -- "$cur"))
		;;
	esac
}

_tickready()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} _tr_bin word i pending= operands=()
	local -A _tr_arg=()
	local _tr_long=()

	COMPREPLY=()
	_tr_bin=$(_tickready_bin)
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$(_tickready_commands) --help --version" -- "$cur"))
		return 0
	fi
	if [[ $cmd == help ]]; then
		((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "$(_tickready_commands)" -- "$cur"))
		return 0
	fi
	_tickready_read_opts "$cmd"
	((${#_tr_long[@]})) || return 0	# not a command
	# Which words before this one are option values ("--opt value", or "--opt = value": bash splits at =).
	for ((i = 2; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ -n $pending ]]; then
			[[ $word == = ]] || pending=
			continue
		fi
		if [[ $word == -- ]]; then
			return 0	# verify: what follows goes to the poller
		elif [[ $word == -* ]]; then
			[[ -n ${_tr_arg[$word]} ]] && pending=$word
		else
			operands+=("$word")
		fi
	done
	[[ $cur == = ]] && cur=
	if [[ -n $pending ]]; then
		_tickready_value "$pending" "${_tr_arg[$pending]}" "$cur"
	elif [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${_tr_long[*]} --help" -- "$cur"))
	elif [[ $cmd == profile ]]; then
		# "tickready profile {list | show NAME|PATH | check NAME|PATH | keys} [options]": the verb, then a profile.
		if ((${#operands[@]} == 0)); then
			COMPREPLY=($(compgen -W "$("$_tr_bin" profile --help 2>/dev/null |
				sed -n '1s/^usage: tickready profile {\([^}]*\)}.*/\1/p' | sed 's/ | /\n/g' | awk '{ print $1 }')" -- "$cur"))
		elif ((${#operands[@]} == 1)) && [[ ${operands[0]} == show || ${operands[0]} == check ]]; then
			_tickready_value "" "NAME|PATH" "$cur"
		fi
	else
		_tickready_files "$cur"
	fi
	return 0
}

complete -F _tickready tickready

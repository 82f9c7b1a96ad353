# bash completion for luamig                                -*- shell-script -*-
# Installed as PREFIX/share/bash-completion/completions/luamig (loaded on
# first use), or source it from ~/.bashrc.
#
# The commands and options come from `luamig --help` and `luamig COMMAND
# --help` of the luamig being completed, so that they are always its own.
# Revisions (after upgrade, downgrade, stamp, show, merge, --head...) are
# head, heads, base and the ids of ./migrations/versions/*.lua.
# Needs nothing from the bash-completion package.

# The commands of luamig $1: the first word of each line under "Commands:".
_luamig_commands() {
  "$1" --help 2>/dev/null | awk '
    /^Commands:/ { on = 1; next }
    on && /^  [a-z]/ { print $1; next }
    on { on = 0 }'
}

# The options of luamig $1, of command $2 when given: "-c, --config FILE  help"
# lines give -c and --config.
_luamig_options() {
  "$1" ${2:+"$2"} --help 2>/dev/null | awk '
    /^  -/ {
      names = $0; sub(/^  /, "", names); sub(/   .*/, "", names)
      n = split(names, w, /[ ,]+/)
      for (i = 1; i <= n; i++) if (w[i] ~ /^-/) print w[i]
    }'
}

_luamig_revisions() {
  local f ids=()
  for f in migrations/versions/*.lua; do
    [[ -e $f ]] || continue
    f=${f##*/}
    ids+=("${f%%_*}")
  done
  printf '%s\n' head heads base "${ids[@]}"
}

_luamig() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  local prog=${COMP_WORDS[0]} cmd= i
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  prog=${prog/#\~/$HOME}
  COMPREPLY=()

  # The command: the first word that is neither an option nor its value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -c | --config | -u | --url | --schema | -x | --env-file | --targets | --target | --jobs | --shard) ((i++)) ;;
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done

  case $prev in
    -c | --config | --targets | --env-file | -o | --output)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --version-path)
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --transaction)
      COMPREPLY=($(compgen -W "per-revision all" -- "$cur")); return ;;
    --dialect)
      COMPREPLY=($(compgen -W "sqlite postgresql mysql" -- "$cur")); return ;;
    --format)
      COMPREPLY=($(compgen -W "dot mermaid" -- "$cur")); return ;;
    --head | --depends-on | --accept | -r | --rev-range)
      COMPREPLY=($(compgen -W "$(_luamig_revisions)" -- "$cur")); return ;;
    -u | --url | --schema | -x | -m | --message | --rev-id | --branch-label | --lock-timeout | --ddl-lock-timeout | --ddl-lock-retries | --statement-timeout | --target | --jobs | --shard)
      return ;;
  esac

  if [[ $cur == -* && $cmd != test ]]; then
    COMPREPLY=($(compgen -W "$(_luamig_options "$prog" "$cmd")" -- "$cur"))
    return
  fi
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "$(_luamig_commands "$prog")" -- "$cur"))
    return
  fi
  case $cmd in
    upgrade | downgrade | stamp | show | merge)
      COMPREPLY=($(compgen -W "$(_luamig_revisions)" -- "$cur")) ;;
    init)
      COMPREPLY=($(compgen -d -- "$cur")) ;;
    test)
      COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}

complete -F _luamig luamig

# bitsearch's process launcher (POSIX sh). bitsearch runs it as `setsid sh -c <this> bitsearch-launcher CMD...`, so
# this shell leads a new session and process group that holds the whole tree of CMD. It runs CMD with its stdin fed
# from a FIFO and forwards its own stdin (the pipe from bitsearch) to it line by line. When that pipe ends (bitsearch
# closed it to kill the attempt, or bitsearch died, even by SIGKILL: the kernel closes the pipe), it kills the whole
# process group. When CMD exits, it asks what is left of the group to terminate and exits with CMD's status.
dir=$(mktemp -d "${TMPDIR:-/tmp}/bitsearch-launch.XXXXXX") || exit 125
mkfifo "$dir/in" || { rm -rf "$dir"; exit 125; }
"$@" <"$dir/in" &
child=$!
exec 3>"$dir/in"
rm -rf "$dir"
exec 4<&0
(
  trap '' PIPE
  while IFS= read -r line; do
    printf '%s\n' "$line" >&3 2>/dev/null || exec 3>/dev/null
  done
  kill -KILL 0
) <&4 &
forwarder=$!
exec 3>&- 4<&-
wait "$child"
status=$?
kill "$forwarder" 2>/dev/null
trap '' TERM
kill -TERM 0 2>/dev/null
exit "$status"

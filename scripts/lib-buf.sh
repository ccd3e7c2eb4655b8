# Sourced by scripts/check-proto and scripts/gen-api-docs: `ensure_buf NAME` installs buf
# $BUF_VERSION from the npm registry under ~/.cache the first time (NAME says who is
# installing it) and sets $buf to its path.
BUF_VERSION=1.75.0

ensure_buf() {
  local dir=${XDG_CACHE_HOME:-$HOME/.cache}/llo-buf
  buf=$dir/node_modules/.bin/buf
  if [ ! -x "$buf" ] || [ "$("$buf" --version)" != "$BUF_VERSION" ]; then
    echo "$1: installing @bufbuild/buf@$BUF_VERSION into $dir"
    mkdir -p "$dir"
    npm install --silent --prefix "$dir" "@bufbuild/buf@$BUF_VERSION" >/dev/null
  fi
}

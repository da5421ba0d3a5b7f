#!/usr/bin/env bash
# Vendors the `ws` package into examples/app/node_modules/ws for the image build: the image is
# built FROM a bare node base with no npm, and its build context is examples/app. The copy
# comes from the repository's node_modules (`npm ci` at the root installs ws, a devDependency
# with no dependencies of its own). node_modules/ keeps it out of git, ESLint and Prettier, and
# node finds it from app.js as it would after an npm install. Idempotent; run it before every
# `docker build examples/app`.
set -euo pipefail
app_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$app_dir/../../node_modules/ws
if [ ! -f "$src/package.json" ]; then
  echo "prepare.sh: $src is missing: run \`npm ci\` in the repository root first" >&2
  exit 1
fi
rm -rf "$app_dir/node_modules/ws"
mkdir -p "$app_dir/node_modules/ws"
cp -R "$src/package.json" "$src/LICENSE" "$src/index.js" "$src/wrapper.mjs" "$src/lib" "$app_dir/node_modules/ws/"

#!/usr/bin/env bash
# Installs the independent tools the tests check seloste's output with, then runs
# every test. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_debian=()
command -v pdftotext >/dev/null || missing_debian+=(poppler-utils)
command -v qpdf >/dev/null || missing_debian+=(qpdf)
command -v soffice >/dev/null || missing_debian+=(libreoffice-writer-nogui)
command -v openssl >/dev/null || missing_debian+=(openssl)
# A PKCS#11 token in software for the signing tests, and the tool that writes objects to it.
command -v softhsm2-util >/dev/null || missing_debian+=(softhsm2)
command -v pkcs11-tool >/dev/null || missing_debian+=(opensc)
# The order of a batch's flushes and renames is checked from its system calls.
command -v strace >/dev/null || missing_debian+=(strace)
command -v fincore >/dev/null || missing_debian+=(util-linux)
# The web pages are checked in a real browser, driven from Node.js.
command -v chromium >/dev/null || missing_debian+=(chromium)
command -v node >/dev/null || missing_debian+=(nodejs)
command -v npm >/dev/null || missing_debian+=(npm)
if [ ${#missing_debian[@]} -gt 0 ]; then
  echo "installing ${missing_debian[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing_debian[@]}" >/dev/null
fi

if ! python3 -c "import docx, yaml, jsonschema, pypdf, asn1crypto, pyhanko, bagit" 2>/dev/null \
    || ! command -v pyhanko >/dev/null || ! command -v bagit.py >/dev/null; then
  echo "installing python-docx, PyYAML, jsonschema, pypdf, pyHanko and bagit"
  python3 -m pip install --quiet --disable-pip-version-check python-docx pyyaml jsonschema pypdf asn1crypto pyhanko pyhanko-cli bagit
fi

# playwright-core drives the system Chromium (it downloads no browser of its own) and
# axe-core is the accessibility engine, at the versions package-lock.json pins.
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
  echo "installing playwright-core and axe-core for the browser tests"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi

# Formatting and lints first: they are quick to state, and CI must hold to them too.
cargo fmt --check
# The tests build in the release profile, so they share every dependency with the README's
# first command instead of building them a second time.
cargo test --release --locked
cargo clippy --release --all-targets --locked -- -D warnings

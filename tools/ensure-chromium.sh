#!/usr/bin/env bash
# Make Debian's Chromium (and CJK fonts, so Chinese pages render) available for the browser tests.
# Installs with apt-get when running as root; otherwise says what is missing and leaves it to the tests,
# which skip without a browser, or fail when CI=true.
set -u
need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
if command -v fc-list >/dev/null 2>&1; then
  fc-list :lang=zh | grep -q . || need+=(fonts-noto-cjk)
else
  need+=(fonts-noto-cjk)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${need[*]} for the browser tests (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "Could not install ${need[*]}; browser tests will skip (or fail with CI=true)."
else
  echo "Missing ${need[*]} and cannot install it here (needs root and apt-get); browser tests will skip."
fi
exit 0
